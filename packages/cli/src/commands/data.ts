import type { ResponseOf } from '@closecross/client';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { auctionRowBatches, readableFile, symbolOfFile, writeRows, type AuctionRow } from '../csv-files.ts';
import type { Context } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { integer, oneOf, type Run } from './shared.ts';

const formats = ['csv', 'json'] as const;

/** Posts auction rows; a row batch goes in one request (all or nothing, idempotent upserts). */
async function postRows(cx: Context, rows: AuctionRow[], commit: boolean) {
  const client = cx.client();
  return client.json<ResponseOf<'/stock_data/', 'post'>>('POST', '/stock_data/', { body: { data: rows, commit } });
}

export function dataCommands(program: Command, run: Run): void {
  const data = program.command('data').description('Auction rows and price bars: load, replay, import, export');

  data
    .command('load <csv>')
    .description('Store the auction rows of a CSV (the competition files as they are) through POST /stock_data/, in batches')
    .option('--batch <rows>', 'rows per request (up to 100000)', integer('--batch', 1), 10_000)
    .option('--dry-run', 'validate every row without writing')
    .action(
      run(async (cx: Context, file: string, options: { batch: number; dryRun?: boolean }) => {
        const { path, size } = readableFile(file);
        if (options.batch > 100_000) throw new CliError('--batch: at most 100000 rows per request', exitCodes.usage);
        const bar = cx.progress('load', size, 'bytes');
        let read = 0;
        const totals = { received: 0, written: 0, corrected: 0, requests: 0 };
        try {
          for await (const batch of auctionRowBatches(path, options.batch, (bytes) => (read = bytes))) {
            const answer = await postRows(cx, batch, !options.dryRun);
            totals.received += answer.received;
            totals.written += answer.written;
            totals.corrected += answer.corrected;
            totals.requests++;
            bar.update(read / size, `${totals.received} rows`);
          }
        } finally {
          bar.stop();
        }
        cx.emit({ file, committed: !options.dryRun, ...totals }, () =>
          cx.line(
            `${options.dryRun ? 'Validated' : 'Loaded'} ${totals.received} rows from ${file} in ${totals.requests} requests: ${totals.written} written, ${totals.corrected} row ids corrected`,
          ),
        );
      }),
    );

  data
    .command('replay <csv>')
    .description('Send the auction rows of a CSV bucket by bucket (one request per date_id and seconds_in_bucket), as they would arrive live')
    .option('--speed <x>', 'auction time, X times faster: a 10 s bucket every 10/X s (0: as fast as possible)', Number, 0)
    .action(
      run(async (cx: Context, file: string, options: { speed: number }) => {
        const { path, size } = readableFile(file);
        if (!Number.isFinite(options.speed) || options.speed < 0) throw new CliError('--speed: a number from 0 is expected', exitCodes.usage);
        const bar = cx.progress('replay', size, 'bytes');
        let read = 0;
        const totals = { buckets: 0, received: 0, written: 0 };
        let pending: AuctionRow[] = [];
        const send = async () => {
          if (pending.length === 0) return;
          if (totals.buckets > 0 && options.speed > 0) await new Promise((resolve) => setTimeout(resolve, 10_000 / options.speed));
          const answer = await postRows(cx, pending, true);
          totals.buckets++;
          totals.received += answer.received;
          totals.written += answer.written;
          bar.update(read / size, `bucket ${pending[0]!.date_id}/${pending[0]!.seconds_in_bucket}`);
          pending = [];
        };
        try {
          for await (const batch of auctionRowBatches(path, 1_000, (bytes) => (read = bytes))) {
            for (const row of batch) {
              const head = pending[0];
              if (head && (head.date_id !== row.date_id || head.seconds_in_bucket !== row.seconds_in_bucket)) await send();
              pending.push(row);
            }
          }
          await send();
        } finally {
          bar.stop();
        }
        cx.emit({ file, ...totals }, () => cx.line(`Replayed ${totals.received} rows of ${file} in ${totals.buckets} buckets: ${totals.written} written`));
      }),
    );

  const bars = data.command('bars').description('Price bars');
  bars
    .command('import <csv>')
    .description(
      'Import price bars: a Yahoo Finance daily CSV (Date,Open,...) to /price_bars, or one-minute bars (Datetime or timestamp,...) to /prices/{symbol}/bars',
    )
    .option('--symbol <symbol>', 'default: from the file name (AAPL.csv, lumibot_AAPL_1m_2021-08.csv)')
    .option('--timezone <zone>', 'one-minute bars: the zone of timestamps written without an offset', 'UTC')
    .action(
      run(async (cx: Context, file: string, options: { symbol?: string; timezone: string }) => {
        const { path } = readableFile(file);
        const symbol = options.symbol ?? symbolOfFile(path);
        if (!symbol) throw new CliError(`cannot tell the symbol from ${file}: give --symbol`, exitCodes.usage);
        const csv = await readFile(path, 'utf8');
        const header = csv.slice(0, csv.indexOf('\n')).toLowerCase();
        const intraday = /(^|,)\s*"?(datetime|timestamp)"?\s*(,|$)/.test(header);
        const client = cx.client();
        const answer = intraday
          ? await client.json<ResponseOf<'/prices/{symbol}/bars', 'post'>>('POST', `/prices/${encodeURIComponent(symbol)}/bars`, {
              body: csv,
              headers: { 'content-type': 'text/csv' },
              query: { timezone: options.timezone },
            })
          : await client.json<ResponseOf<'/price_bars/{symbol}', 'post'>>('POST', `/price_bars/${encodeURIComponent(symbol)}`, {
              body: csv,
              headers: { 'content-type': 'text/csv' },
            });
        cx.emit({ ...answer, kind: intraday ? 'one-minute' : 'daily' }, () =>
          cx.line(`${answer.symbol}: ${answer.received} ${intraday ? 'one-minute' : 'daily'} bars received, ${answer.written} written`),
        );
      }),
    );

  const exporting = data.command('export').description('Export auction rows or price bars as CSV or JSON');
  exporting
    .command('rows')
    .description('Auction rows of a day or a range of days')
    .option('--date-id <n>', 'one day', integer('--date-id'))
    .option('--start-date-id <n>', 'first day', integer('--start-date-id'))
    .option('--end-date-id <n>', 'last day', integer('--end-date-id'))
    .option('--stock-id <n>', 'one stock', integer('--stock-id'))
    .option('--format <format>', 'csv or json', oneOf('--format', formats), 'csv')
    .option('--out <file>', 'write here (default: stdout)')
    .action(
      run(
        async (cx: Context, options: { dateId?: number; startDateId?: number; endDateId?: number; stockId?: number; format: 'csv' | 'json'; out?: string }) => {
          if (options.dateId === undefined && options.startDateId === undefined)
            throw new CliError('give --date-id, or --start-date-id and --end-date-id', exitCodes.usage);
          const query = {
            ...(options.dateId !== undefined ? { date_id: options.dateId } : {}),
            ...(options.startDateId !== undefined ? { start_date_id: options.startDateId } : {}),
            ...(options.endDateId !== undefined ? { end_date_id: options.endDateId } : {}),
            ...(options.stockId !== undefined ? { stock_id: options.stockId } : {}),
            page_size: 10_000,
          };
          const rows: Record<string, unknown>[] = [];
          for await (const row of cx.client().paginate('/stock_data/', query)) rows.push(row as Record<string, unknown>);
          await writeRows(rows, cx.json ? 'json' : options.format, options.out, cx.io.stdout);
          if (options.out) cx.note(`${rows.length} rows written to ${options.out}`);
        },
      ),
    );
  exporting
    .command('bars <symbol>')
    .description('Daily bars (or one-minute bars rolled up with --interval)')
    .option('--start <date>', 'first day, YYYY-MM-DD')
    .option('--end <date>', 'last day, YYYY-MM-DD')
    .option('--interval <interval>', 'live bars of the prices service instead: 1m, 5m, 15m, 1h, 1d')
    .option('--format <format>', 'csv or json', oneOf('--format', formats), 'csv')
    .option('--out <file>', 'write here (default: stdout)')
    .action(
      run(async (cx: Context, symbol: string, options: { start?: string; end?: string; interval?: string; format: 'csv' | 'json'; out?: string }) => {
        const query = { ...(options.start ? { start: options.start } : {}), ...(options.end ? { end: options.end } : {}) };
        const path = options.interval ? `/prices/${encodeURIComponent(symbol)}/bars` : `/price_bars/${encodeURIComponent(symbol)}`;
        const answer = await cx
          .client()
          .json<{ bars: Record<string, unknown>[] }>('GET', path, { query: { ...query, ...(options.interval ? { interval: options.interval } : {}) } });
        await writeRows(answer.bars, cx.json ? 'json' : options.format, options.out, cx.io.stdout);
        if (options.out) cx.note(`${answer.bars.length} bars written to ${options.out}`);
      }),
    );
}
