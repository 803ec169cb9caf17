import { CsvError, parse } from 'csv-parse/sync';

export interface CsvRecord {
  /** Line of the file the record starts on (1-based); a quoted field may run over more lines. */
  line: number;
  cells: string[];
}

export class CsvSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.name = 'CsvSyntaxError';
    this.line = line;
  }
}

/**
 * Splits CSV text into records with csv-parse (RFC 4180: comma-separated, fields optionally in
 * double quotes with "" for a quote, newlines allowed inside quotes), accepting LF, CRLF or CR line
 * ends, a byte-order mark, and a last line with or without its newline. Fields are trimmed around
 * their quotes; a blank line is a record of one empty cell. Each record keeps the line it starts on.
 */
export function readCsvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  // csv-parse counts the line each record ends on: the next one starts on the line after.
  let lastEnd = 0;
  try {
    parse(text, {
      bom: true,
      relax_column_count: true,
      trim: true,
      skip_empty_lines: false,
      on_record: (cells: string[], { lines }: { lines: number }) => {
        records.push({ line: lastEnd + 1, cells });
        lastEnd = lines;
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = typeof error.lines === 'number' ? error.lines : lastEnd + 1;
    if (error.code === 'CSV_QUOTE_NOT_CLOSED') throw new CsvSyntaxError(lastEnd + 1, 'a quoted field is never closed');
    if (error.code === 'CSV_INVALID_CLOSING_QUOTE') throw new CsvSyntaxError(line, 'unexpected text after a closing quote');
    throw new CsvSyntaxError(line, error.message);
  }
  return records;
}
