import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auctionRowBatches } from '../src/csv-files.ts';
import { CliError, exitCodes } from '../src/exit-codes.ts';
import { runCli } from './run-cli.ts';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'closecross-cli-csv-'));
});
afterAll(async () => rm(scratch, { recursive: true, force: true }));

async function fileOf(name: string, text: string): Promise<string> {
  const file = path.join(scratch, name);
  await writeFile(file, text);
  return file;
}

describe('auction-row CSV files in the CLI (the row rules the dashboard and pnpm replay use)', () => {
  it('reads quoted fields in batches and hears the bytes read so far', async () => {
    const text = 'stock_id,date_id,seconds_in_bucket,"wap",row_id\n"0",1,10,"1.5","1_10_0"\n1,1,10,,\n2,1,10,2.5,1_10_2\n';
    const file = await fileOf('quoted.csv', text);
    let bytes = 0;
    const batches = [];
    for await (const batch of auctionRowBatches(file, 2, (read) => (bytes = read))) batches.push(batch);
    expect(batches).toEqual([
      [
        { stock_id: 0, date_id: 1, seconds_in_bucket: 10, wap: 1.5, row_id: '1_10_0' },
        { stock_id: 1, date_id: 1, seconds_in_bucket: 10, wap: null },
      ],
      [{ stock_id: 2, date_id: 1, seconds_in_bucket: 10, wap: 2.5, row_id: '1_10_2' }],
    ]);
    expect(bytes).toBe(Buffer.byteLength(text));
  });

  it('refuses a bad row as a usage error naming the file and the line', async () => {
    const file = await fileOf('bad.csv', 'stock_id,date_id,seconds_in_bucket,wap\n0,1,10,1.5\n0,1,20,abc\n');
    const reading = (async () => {
      for await (const batch of auctionRowBatches(file, 10, () => undefined)) void batch;
    })();
    await expect(reading).rejects.toThrow(new CliError(`${file}: line 3: wap is not a number: "abc"`, exitCodes.usage));
    await expect(reading).rejects.toMatchObject({ exitCode: exitCodes.usage });
  });

  it('`closecross data load` stops at a refused row before sending anything, with exit code 2', async () => {
    const file = await fileOf('fraction.csv', 'stock_id,date_id,seconds_in_bucket\n0,1,10.5\n');
    // Nothing listens on the discard port: a request would fail with "unreachable" (7), not 2.
    const run = await runCli(['data', 'load', file], {
      CLOSECROSS_URL: 'http://127.0.0.1:9',
      CLOSECROSS_API_KEY: 'unused',
      CLOSECROSS_CONFIG: path.join(scratch, 'config.json'),
    });
    expect(run.code, run.stderr).toBe(exitCodes.usage);
    expect(run.stderr).toContain(`${file}: line 2: seconds_in_bucket must be a whole number, got "10.5"`);
  });
});
