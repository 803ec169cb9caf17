/**
 * Auction-row CSV files and what the row rules make of them: each reader (csv-parse on the server,
 * papaparse in the dashboard) is tested against this one list, so the two cannot drift.
 */
import type { AuctionCsvRow } from '../src/auction-csv-rows.ts';

export interface AuctionCsvCase {
  name: string;
  text: string;
  rows?: AuctionCsvRow[];
  /** The message of the refusal, exactly. */
  error?: string;
}

export const auctionCsvCases: AuctionCsvCase[] = [
  {
    name: 'a spreadsheet export: byte-order mark, \\r\\n, every cell quoted, a comma inside quotes kept in its cell',
    text:
      '\uFEFF"stock_id","date_id","seconds_in_bucket","wap","target","row_id","train_type"\r\n' +
      '"3","12","20","1.0002","-4.5","12_20_3","a,b"\r\n' +
      '3,12,30,1.0001,,12_30_3,plain\r\n',
    rows: [
      { stock_id: 3, date_id: 12, seconds_in_bucket: 20, wap: 1.0002, target: -4.5, row_id: '12_20_3', train_type: 'a,b' },
      { stock_id: 3, date_id: 12, seconds_in_bucket: 30, wap: 1.0001, target: null, row_id: '12_30_3', train_type: 'plain' },
    ],
  },
  {
    name: 'a doubled quote and a line break inside quotes',
    text: 'stock_id,date_id,seconds_in_bucket,"far_price",train_type\n0,1,10,"1.5","say ""hi""\nthere"\n1,1,"20",,\n',
    rows: [
      { stock_id: 0, date_id: 1, seconds_in_bucket: 10, far_price: 1.5, train_type: 'say "hi"\nthere' },
      { stock_id: 1, date_id: 1, seconds_in_bucket: 20, far_price: null, train_type: null },
    ],
  },
  {
    name: 'blank lines skipped; unknown columns and an empty row_id left out; a short line read as empty trailing cells',
    text: 'stock_id,date_id,seconds_in_bucket,currently_scored,row_id,wap\n\n   \n1,2,0,false,,1.5\n1,2,10\n',
    rows: [
      { stock_id: 1, date_id: 2, seconds_in_bucket: 0, wap: 1.5 },
      { stock_id: 1, date_id: 2, seconds_in_bucket: 10, wap: null },
    ],
  },
  {
    name: 'NaN, nan, inf and -Infinity as pandas and the reference producer write a missing value',
    text: 'stock_id,date_id,seconds_in_bucket,far_price,near_price,wap,target\n0,1,10,NaN,nan,inf,-Infinity\n',
    rows: [{ stock_id: 0, date_id: 1, seconds_in_bucket: 10, far_price: null, near_price: null, wap: null, target: null }],
  },
  { name: 'a cell that is not a number', text: 'stock_id,date_id,seconds_in_bucket\n0,1,abc\n', error: 'line 2: seconds_in_bucket is not a number: "abc"' },
  { name: 'a quoted comma in a number column', text: 'stock_id,date_id,seconds_in_bucket\n0,"1,2",10\n', error: 'line 2: date_id is not a number: "1,2"' },
  {
    name: 'a fraction in a whole-number column',
    text: 'stock_id,date_id,seconds_in_bucket,imbalance_buy_sell_flag\n0,1,10,1\n0,1,20,0.5\n',
    error: 'line 3: imbalance_buy_sell_flag must be a whole number, got "0.5"',
  },
  { name: 'more fields than the header', text: 'stock_id,date_id,seconds_in_bucket\n0,1,10\n0,1,20,7\n', error: 'line 3: 4 fields, the header has 3' },
  {
    name: 'an empty key cell',
    text: 'stock_id,date_id,seconds_in_bucket,wap\n0,,10,1\n',
    error: 'line 2: date_id is empty; every row needs stock_id, date_id, seconds_in_bucket',
  },
  {
    name: 'a header without the key columns',
    text: 'stock_id,date_id\n0,1\n',
    error: 'the header lacks seconds_in_bucket; is this an auction-row CSV? (it has stock_id,date_id)',
  },
  { name: 'an unclosed quote', text: 'stock_id,date_id,seconds_in_bucket\n0,1,"10\n', error: 'line 2: Quoted field unterminated' },
  { name: 'an empty file', text: '\n  \n', error: 'the file is empty' },
];
