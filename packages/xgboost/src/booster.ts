import { check, native } from './native.ts';

/** A dense float32 matrix (row-major) with labels, as XGBoost's DMatrix. NaN is missing. */
export class DMatrix {
  readonly handle: unknown;
  readonly rows: number;
  readonly columns: number;
  private freed = false;

  constructor(values: Float32Array, rows: number, columns: number, labels?: Float32Array) {
    if (values.length !== rows * columns) throw new RangeError(`expected ${rows * columns} values, got ${values.length}`);
    const out = [null];
    check(native.dmatrixFromMat(values, rows, columns, Number.NaN, out), 'XGDMatrixCreateFromMat');
    this.handle = out[0];
    this.rows = rows;
    this.columns = columns;
    if (labels) {
      if (labels.length !== rows) throw new RangeError(`expected ${rows} labels, got ${labels.length}`);
      check(native.dmatrixSetFloatInfo(this.handle, 'label', labels, rows), 'XGDMatrixSetFloatInfo');
    }
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    check(native.dmatrixFree(this.handle), 'XGDMatrixFree');
  }
}

export type BoosterParams = Record<string, string | number | boolean>;

/**
 * A gradient-boosted model. Continued training is XGBoost's own: load a base model and keep
 * calling update from its number of rounds, so the base trees stay and new ones are added.
 */
export class Booster {
  readonly handle: unknown;
  private freed = false;

  private constructor(handle: unknown) {
    this.handle = handle;
  }

  static create(params: BoosterParams, cache: DMatrix[] = []): Booster {
    const out = [null];
    check(
      native.boosterCreate(
        cache.map((matrix) => matrix.handle),
        cache.length,
        out,
      ),
      'XGBoosterCreate',
    );
    const booster = new Booster(out[0]);
    booster.setParams(params);
    return booster;
  }

  /** A booster from XGBoost's JSON (or UBJSON) model format, e.g. a Python user's file. */
  static load(model: Uint8Array, params: BoosterParams = {}): Booster {
    const booster = Booster.create({});
    check(native.boosterLoadFromBuffer(booster.handle, model, model.length), 'XGBoosterLoadModelFromBuffer');
    booster.setParams(params);
    return booster;
  }

  setParams(params: BoosterParams): void {
    for (const [name, value] of Object.entries(params)) {
      check(native.boosterSetParam(this.handle, name, String(value)), `XGBoosterSetParam(${name})`);
    }
  }

  get boostedRounds(): number {
    const out = [0];
    check(native.boosterBoostedRounds(this.handle, out), 'XGBoosterBoostedRounds');
    return out[0]!;
  }

  /** One more round on `train` (iteration numbers continue from the model's rounds). */
  update(train: DMatrix, iteration = this.boostedRounds): void {
    check(native.boosterUpdateOneIter(this.handle, iteration, train.handle), 'XGBoosterUpdateOneIter');
  }

  /** The eval metrics of `sets` at this round, parsed from XGBoost's "[i]\tname-metric:value" line. */
  evaluate(sets: Record<string, DMatrix>, iteration = this.boostedRounds): Record<string, number> {
    const names = Object.keys(sets);
    const out = [null as unknown as string];
    check(
      native.boosterEvalOneIter(
        this.handle,
        iteration,
        names.map((name) => sets[name]!.handle),
        names,
        names.length,
        out,
      ),
      'XGBoosterEvalOneIter',
    );
    const metrics: Record<string, number> = {};
    for (const match of String(out[0]).matchAll(/\t([^:\t]+):([-\d.eE+naif]+)/g)) metrics[match[1]!] = Number(match[2]);
    return metrics;
  }

  /**
   * Predictions for every row, from all trees (or `[0, iterationEnd)`), written into `into` when
   * given (it must hold one value per row), else into a new array. XGBoost keeps the predictions of
   * the matrices it has evaluated or predicted with this booster, and adds only the trees grown
   * since: an evaluation set predicted after its last evaluation costs a copy, not a walk of the trees.
   */
  predict(matrix: DMatrix, iterationEnd = 0, into?: Float32Array): Float32Array {
    if (into && into.length !== matrix.rows) throw new RangeError(`expected room for ${matrix.rows} predictions, got ${into.length}`);
    const shape = [null];
    const dimensions = [0];
    const result = [null];
    const config = JSON.stringify({ type: 0, training: false, iteration_begin: 0, iteration_end: iterationEnd, strict_shape: false });
    check(native.boosterPredict(this.handle, matrix.handle, config, shape, dimensions, result), 'XGBoosterPredictFromDMatrix');
    // The result lives in XGBoost's memory until the next call: copied out now, once, from a view of
    // that memory (decoding made a typed array, copied again into the answer).
    const inXGBoost = new Float32Array(native.view(result[0], matrix.rows * Float32Array.BYTES_PER_ELEMENT));
    if (!into) return inXGBoost.slice();
    into.set(inXGBoost);
    return into;
  }

  /** The kind of model XGBoost builds (`gbtree`, `dart`, `gblinear`), from its configuration. */
  get gradientBooster(): string {
    const length = [0];
    const text = [null as unknown as string];
    check(native.boosterSaveJsonConfig(this.handle, length, text), 'XGBoosterSaveJsonConfig');
    return String(JSON.parse(text[0]!).learner.gradient_booster.name);
  }

  /** A new booster with the rounds [begin, end) of this one (XGBoost's own slicing). */
  slice(begin: number, end: number): Booster {
    const out = [null];
    check(native.boosterSlice(this.handle, begin, end, 1, out), 'XGBoosterSlice');
    return new Booster(out[0]);
  }

  /** XGBoost's JSON model format, loadable by `xgboost.Booster(model_file=...)` in Python. */
  toJson(): Buffer {
    const length = [0];
    const pointer = [null];
    check(native.boosterSaveToBuffer(this.handle, JSON.stringify({ format: 'json' }), length, pointer), 'XGBoosterSaveModelToBuffer');
    // Decoded as bytes, not as a JS array of one number per byte (4.4 -> 0.5 ms for a 200-round model).
    return Buffer.from(native.decode(pointer[0], native.typedArray('uint8_t', Number(length[0]))) as Uint8Array);
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    check(native.boosterFree(this.handle), 'XGBoosterFree');
  }
}
