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
  const length = text.length;
  let index = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let cells: string[] = [];
  let recordLine = 1;
  while (index < length) {
    // One field per turn: index is at its first character.
    let start = index;
    while (text[start] === ' ' || text[start] === '\t') start++;
    let cell: string;
    if (text[start] === '"') {
      const quoteLine = line;
      let value = '';
      let from = start + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote === -1) throw new CsvSyntaxError(quoteLine, 'a quoted field is never closed');
        value += text.slice(from, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          from = quote + 2;
        } else {
          from = quote + 1;
          break;
        }
      }
      line += countLineEnds(value);
      while (text[from] === ' ' || text[from] === '\t') from++;
      const next = text[from];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new CsvSyntaxError(line, `unexpected ${JSON.stringify(next)} after a closing quote`);
      }
      cell = value;
      index = from;
    } else {
      let end = index;
      while (end < length) {
        const code = text.charCodeAt(end);
        if (code === 44 || code === 10 || code === 13) break; // , \n \r
        end++;
      }
      cell = text.slice(index, end).trim();
      index = end;
    }
    cells.push(cell);
    const separator = text[index];
    if (separator === ',') {
      index++;
      if (index === length) cells.push(''); // a last line ending in a comma has an empty last field
      continue;
    }
    records.push({ line: recordLine, cells });
    cells = [];
    if (separator === '\r' && text[index + 1] === '\n') index++;
    index++;
    line++;
    recordLine = line;
  }
  if (cells.length > 0) records.push({ line: recordLine, cells });
  return records;
}

function countLineEnds(value: string): number {
  let count = 0;
  for (let index = 0; index < value.length; index++) {
    const char = value[index];
    if (char === '\n' || (char === '\r' && value[index + 1] !== '\n')) count++;
  }
  return count;
}
