import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SimulatedClock } from '@closecross/engine';
import { createService } from '@closecross/platform';
import { sharedDataPath } from '@closecross/tests/support';
import { beforeEach, describe, expect, it } from 'vitest';
import { marketDataServiceWith } from '../src/plugin.ts';
import { useMarketDataApp } from './build-app.ts';

const context = useMarketDataApp();
beforeEach(async () => {
  await context.database.pool.query('truncate price_bars');
});

const postCsv = (symbol: string, csv: string) =>
  context.app.inject({ method: 'POST', url: `/price_bars/${symbol}`, headers: { 'content-type': 'text/csv' }, payload: csv });

const yahooCsv = [
  'Date,Open,High,Low,Close,Adj Close,Volume',
  '2021-08-23,209.710007,219.970001,209.500000,219.580002,219.580002,57580700',
  '2021-08-20,199.910004,208.649994,199.330002,208.160004,208.160004,67503900',
  '2021-08-19,null,null,null,null,null,null',
  '2021-08-18,197.000000,199.500000,193.100006,193.570007,193.540000,32022100',
].join('\n');

describe('POST /price_bars/{symbol}', () => {
  it('loads a Yahoo CSV in any row order, without a final newline, skipping null lines', async () => {
    const response = await postCsv('nvda', yahooCsv);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ symbol: 'NVDA', received: 3, written: 3, skipped: 1 });
    const read = await context.app.inject({ url: '/price_bars/NVDA' });
    expect(read.json().bars.map((bar: { date: string }) => bar.date)).toEqual(['2021-08-18', '2021-08-20', '2021-08-23']);
    expect(read.json().bars[2]).toEqual({
      date: '2021-08-23',
      open: 209.710007,
      high: 219.970001,
      low: 209.5,
      close: 219.580002,
      adj_close: 219.580002,
      volume: 57580700,
    });
  });

  it('loads a CSV without Adj Close, with CRLF line ends', async () => {
    const csv = 'Date,Open,High,Low,Close,Volume\r\n2020-01-02,1,2,0.5,1.5,100\r\n';
    const response = await postCsv('X', csv);
    expect(response.json()).toMatchObject({ received: 1, written: 1 });
    expect((await context.app.inject({ url: '/price_bars/X' })).json().bars[0]).toMatchObject({ adj_close: null, volume: 100 });
  });

  it('takes JSON bars and upserts: the same bars again write nothing, a changed one writes one', async () => {
    const bars = [
      { date: '2020-01-02', open: 1, high: 2, low: 0.5, close: 1.5 },
      { date: '2020-01-03', open: 1.5, high: 2, low: 1, close: 1.8, adj_close: 1.7, volume: 10 },
    ];
    const first = await context.app.inject({ method: 'POST', url: '/price_bars/ABC', payload: bars });
    expect(first.json()).toEqual({ symbol: 'ABC', received: 2, written: 2, skipped: 0 });
    const again = await context.app.inject({ method: 'POST', url: '/price_bars/ABC', payload: bars });
    expect(again.json().written).toBe(0);
    const changed = await context.app.inject({ method: 'POST', url: '/price_bars/ABC', payload: [{ ...bars[0], close: 1.6 }] });
    expect(changed.json().written).toBe(1);
  });

  it('answers 400 naming the CSV line of a bad price, and writes nothing', async () => {
    const csv = 'Date,Open,High,Low,Close\n2020-01-02,1,2,0.5,1.5\n2020-01-03,1,2,0.5,abc';
    const response = await postCsv('BAD', csv);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('CSV line 3: Close must be a positive number, got "abc"');
    expect((await context.database.pool.query('select count(*)::int as n from price_bars')).rows[0].n).toBe(0);
  });

  it('answers 400 for a CSV header without Close', async () => {
    const response = await postCsv('BAD', 'Date,Open,High,Low\n2020-01-02,1,2,0.5');
    expect(response.json().message).toContain('missing close');
  });

  it('answers 400 naming the JSON bar and field', async () => {
    const response = await context.app.inject({
      method: 'POST',
      url: '/price_bars/ABC',
      payload: [{ date: '2020-01-02', open: 1, high: 2, low: 0.5, close: -1 }],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body/0/close must be > 0');
  });

  it('rejects a symbol with spaces or slashes', async () => {
    const response = await context.app.inject({ method: 'POST', url: '/price_bars/A%20B', payload: [] });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('params/symbol must match pattern');
  });
});

describe('GET /price_bars/{symbol}', () => {
  it('answers bars between start and end inclusive, in date order', async () => {
    await postCsv('NVDA', yahooCsv);
    const response = await context.app.inject({ url: '/price_bars/nvda?start=2021-08-20&end=2021-08-23' });
    expect(response.json().bars.map((bar: { date: string }) => bar.date)).toEqual(['2021-08-20', '2021-08-23']);
  });

  it('answers an empty series for a symbol with no bars', async () => {
    expect((await context.app.inject({ url: '/price_bars/NONE' })).json()).toEqual({ symbol: 'NONE', bars: [] });
  });

  it('rejects a window whose start is after its end', async () => {
    expect((await context.app.inject({ url: '/price_bars/X?start=2021-01-02&end=2021-01-01' })).statusCode).toBe(400);
  });

  it('lists the stored symbols with their ranges', async () => {
    await postCsv('NVDA', yahooCsv);
    expect((await context.app.inject({ url: '/price_bars/' })).json()).toEqual([
      { symbol: 'NVDA', bars: 3, first_date: '2021-08-18', last_date: '2021-08-23' },
    ]);
  });
});

const dailyFolder = sharedDataPath('data/daily');

describe.skipIf(!dailyFolder)('the real daily CSVs in ../shared/data/daily', () => {
  it.each(['AAPL', 'MSFT', 'NVDA', 'SPY'])('%s imports whole and reads back close for close', async (symbol) => {
    const csv = readFileSync(path.join(dailyFolder!, `${symbol}.csv`), 'utf8');
    const lines = csv.trim().split('\n').slice(1);
    const response = await postCsv(symbol, csv);
    expect(response.statusCode).toBe(200);
    expect(response.json().written).toBe(lines.length);
    const bars = (await context.app.inject({ url: `/price_bars/${symbol}` })).json().bars;
    expect(bars).toHaveLength(lines.length);
    const [date, , , , close] = lines[lines.length - 1]!.split(',');
    expect(bars[bars.length - 1]).toMatchObject({ date, close: Number(close) });
  });

  it('2020-01-02 closes match the published checks', async () => {
    for (const symbol of ['AAPL', 'MSFT', 'NVDA', 'SPY']) {
      await postCsv(symbol, readFileSync(path.join(dailyFolder!, `${symbol}.csv`), 'utf8'));
    }
    const closes: Record<string, number> = {};
    for (const symbol of ['AAPL', 'MSFT', 'NVDA', 'SPY']) {
      closes[symbol] = (await context.app.inject({ url: `/price_bars/${symbol}?start=2020-01-02&end=2020-01-02` })).json().bars[0].close;
    }
    expect(closes).toEqual({ AAPL: 75.087502, MSFT: 160.619995, NVDA: 59.977501, SPY: 324.869995 });
  });
});

describe('POST /price_bars/{symbol}: no bars from the future', () => {
  it("refuses a bar dated after today in New York (a UTC date already on the next day), naming it, and writes nothing; today's bar is taken", async () => {
    // 01:00 UTC on Saturday 2026-12-12 is 20:00 on Friday 2026-12-11 in New York.
    const clock = new SimulatedClock('2026-12-12T01:00:00Z');
    const app = await createService({
      name: 'market-data',
      modules: [marketDataServiceWith({ clock })],
      pool: context.database.pool,
      logLevel: 'silent',
      auth: false,
    });
    try {
      const bar = (date: string) => ({ date, open: 10, high: 11, low: 9, close: 10.5 });
      const refused = await app.inject({ method: 'POST', url: '/price_bars/ABC', payload: [bar('2026-12-10'), bar('2026-12-11'), bar('2026-12-12')] });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().message).toBe(
        'body/2/date 2026-12-12 is after today (2026-12-11 in America/New_York): bars of days that have not happened are refused',
      );
      expect((await context.database.pool.query("select count(*)::int as n from price_bars where symbol = 'ABC'")).rows[0].n).toBe(0);
      const csv = await app.inject({
        method: 'POST',
        url: '/price_bars/ABC',
        headers: { 'content-type': 'text/csv' },
        payload: 'Date,Open,High,Low,Close,Volume\n2026-12-14,10,11,9,10.5,100\n',
      });
      expect(csv.statusCode).toBe(400);
      expect(csv.json().message).toMatch(/^body\/0\/date 2026-12-14 is after today/);
      const taken = await app.inject({ method: 'POST', url: '/price_bars/ABC', payload: [bar('2026-12-10'), bar('2026-12-11')] });
      expect(taken.json()).toMatchObject({ symbol: 'ABC', received: 2, written: 2 });
    } finally {
      await app.close();
    }
  });
});
