import { describe, expect, it } from 'vitest';
import { auctionCsvCases } from '../../../packages/contracts/test/auction-csv-cases.ts';
import { parseAuctionCsv } from '../web/src/lib/csv.ts';

// The same cases as the server side's reader (packages/contracts/test/auction-csv.test.ts).
describe('parseAuctionCsv (papaparse and the shared row rules)', () => {
  for (const { name, text, rows, error } of auctionCsvCases) {
    it(name, async () => {
      const parsing = Promise.resolve().then(() => parseAuctionCsv(text));
      if (error) await expect(parsing).rejects.toMatchObject({ name: 'AuctionCsvError', message: error });
      else expect(await parsing).toEqual(rows);
    });
  }
});
