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
 * Splits CSV text into records (RFC 4180: comma-separated, fields optionally in double quotes
 * with "" for a quote, newlines allowed inside quotes), accepting LF, CRLF or CR line ends,
 * a byte-order mark, and a last line with or without its newline. Unquoted fields are trimmed.
 */
export function readCsvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let index = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endCell = () => {
    cells.push(quoted ? cell : cell.trim());
    cell = '';
    quoted = false;
  };
  const endRecord = () => {
    endCell();
    records.push({ line: recordLine, cells });
    cells = [];
  };
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"' && cell.trim() === '' && !quoted) {
      // A quoted field: read to its closing quote.
      const startLine = line;
      cell = '';
      index++;
      for (;;) {
        if (index >= text.length) throw new CsvSyntaxError(startLine, 'a quoted field is never closed');
        const inner = text[index]!;
        if (inner === '"') {
          if (text[index + 1] === '"') {
            cell += '"';
            index += 2;
            continue;
          }
          index++;
          break;
        }
        if (inner === '\n' || (inner === '\r' && text[index + 1] !== '\n')) line++;
        cell += inner;
        index++;
      }
      quoted = true;
      while (text[index] === ' ' || text[index] === '\t') index++;
      const next = text[index];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new CsvSyntaxError(line, `unexpected ${JSON.stringify(next)} after a closing quote`);
      }
      continue;
    }
    if (char === ',') {
      endCell();
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      cell += char;
    }
    index++;
  }
  if (cell !== '' || quoted || cells.length > 0) endRecord();
  return records;
}
