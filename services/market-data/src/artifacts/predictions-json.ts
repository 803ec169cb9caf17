import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { parse } from 'csv-parse';

// A JSON number as Postgres, JavaScript's String(number) and pandas print them.
const jsonNumber = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const textColumns = new Set(['row_id']);

/**
 * Turns the records of a predictions CSV (`row_id,stock_id,seconds_in_bucket,prediction[,target]`,
 * as the inference job writes it; the header first) into `prefix` + a JSON array of one object per
 * row + `suffix`, record by record. An empty cell is null; `row_id` stays text; any other cell is a
 * number when it reads as one (NaN and Infinity, which JSON lacks, are null), else text.
 */
class PredictionRecordsToJson extends Transform {
  private keys: string[] | undefined;
  private text: boolean[] = [];
  private rows = 0;
  private started = false;
  private readonly prefix: string;
  private readonly suffix: string;

  constructor(prefix: string, suffix: string) {
    super({ writableObjectMode: true });
    this.prefix = prefix;
    this.suffix = suffix;
  }

  override _transform(cells: string[], _encoding: BufferEncoding, done: TransformCallback): void {
    done(null, this.opening() + this.recordToJson(cells));
  }

  override _flush(done: TransformCallback): void {
    done(null, `${this.opening()}]${this.suffix}`);
  }

  /** The prefix and the array's `[`, once, before anything else. */
  private opening(): string {
    if (this.started) return '';
    this.started = true;
    return `${this.prefix}[`;
  }

  private recordToJson(cells: string[]): string {
    if (this.keys === undefined) {
      this.keys = cells.map((name, index) => `${index === 0 ? '{' : ','}${JSON.stringify(name)}:`);
      this.text = cells.map((name) => textColumns.has(name));
      return '';
    }
    let out = this.rows++ > 0 ? ',' : '';
    for (let c = 0; c < this.keys.length; c++) {
      const cell = cells[c] ?? '';
      out += this.keys[c]!;
      if (cell === '') out += 'null';
      else if (this.text[c]) out += JSON.stringify(cell);
      else if (jsonNumber.test(cell)) out += cell;
      else if (cell === 'NaN' || cell === 'Infinity' || cell === '-Infinity') out += 'null';
      else out += JSON.stringify(cell);
    }
    return `${out}}`;
  }
}

/**
 * A predictions CSV streamed as JSON (see PredictionRecordsToJson), parsed by csv-parse (quoted
 * cells too) chunk by chunk: a day's file is never held whole. A failure of `csv` (or a line that
 * is not CSV) destroys the JSON stream with it.
 */
export function predictionsCsvToJson(csv: Readable, prefix: string, suffix: string): Readable {
  return pipeline(
    csv,
    parse({ bom: true, skip_empty_lines: true, relax_column_count: true, record_delimiter: ['\r\n', '\n'] }),
    new PredictionRecordsToJson(prefix, suffix),
    () => {
      // Errors reach the caller as the returned stream's own: pipeline destroys it with them.
    },
  );
}
