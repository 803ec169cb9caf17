import { Transform, type TransformCallback } from 'node:stream';

// A JSON number as Postgres, JavaScript's String(number) and pandas print them.
const jsonNumber = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const textColumns = new Set(['row_id']);

/**
 * Turns a predictions CSV (`row_id,stock_id,seconds_in_bucket,prediction[,target]`, as the
 * inference job writes it) into `prefix` + a JSON array of one object per row + `suffix`, chunk by
 * chunk: a day's file is never held whole. An empty cell is null; `row_id` stays text; any other
 * cell is a number when it reads as one (NaN and Infinity, which JSON lacks, are null), else text.
 */
export class PredictionsCsvToJson extends Transform {
  private carry = '';
  private keys: string[] | undefined;
  private text: boolean[] = [];
  private rows = 0;
  private started = false;
  private readonly prefix: string;
  private readonly suffix: string;

  constructor(prefix: string, suffix: string) {
    super();
    this.prefix = prefix;
    this.suffix = suffix;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const lines = (this.carry + chunk.toString('utf8')).split('\n');
    this.carry = lines.pop()!;
    done(null, this.opening() + this.linesToJson(lines));
  }

  override _flush(done: TransformCallback): void {
    done(null, `${this.opening()}${this.linesToJson([this.carry])}]${this.suffix}`);
  }

  /** The prefix and the array's `[`, once, before anything else. */
  private opening(): string {
    if (this.started) return '';
    this.started = true;
    return `${this.prefix}[`;
  }

  private linesToJson(lines: string[]): string {
    let out = '';
    for (const raw of lines) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line === '') continue;
      const cells = line.split(',');
      if (this.keys === undefined) {
        this.keys = cells.map((name, index) => `${index === 0 ? '{' : ','}${JSON.stringify(name)}:`);
        this.text = cells.map((name) => textColumns.has(name));
        continue;
      }
      if (this.rows++ > 0) out += ',';
      for (let c = 0; c < this.keys.length; c++) {
        const cell = cells[c] ?? '';
        out += this.keys[c]!;
        if (cell === '') out += 'null';
        else if (this.text[c]) out += JSON.stringify(cell);
        else if (jsonNumber.test(cell)) out += cell;
        else if (cell === 'NaN' || cell === 'Infinity' || cell === '-Infinity') out += 'null';
        else out += JSON.stringify(cell);
      }
      out += '}';
    }
    return out;
  }
}
