import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { alertEvents, alertSummary, deliverySummary, eventLabel } from '../web/src/lib/alerts.ts';
import { apiErrorsFor, fieldOfApiMessage } from '../web/src/lib/field-errors.ts';
import { describeLimits, fieldsOfScope, limitChangeFromForm } from '../web/src/lib/limits.ts';
import { riskHistorySeries, worstDay } from '../web/src/lib/risk-history.ts';
import { changedFields, newStrategy, strategyFromForm, type StrategyDefinition } from '../web/src/lib/strategy-form.ts';
import { backtestCountsLine, backtestExports, tradeTimeLabel } from '../web/src/lib/backtest-report.ts';
import { codeInstanceFromForm, liveStatusLine, parameterFields, strategyLabel, type StrategyCode } from '../web/src/lib/strategy-code.ts';
import { batches, parseAuctionCsv } from '../web/src/lib/csv.ts';
import { axesSizedToLabels, dailyIncrements, dailyXAxis, dailyXRange, widthOfLabels } from '../web/src/lib/chart-axes.ts';
import { exposureRows, strategyStateLabel } from '../web/src/lib/exposures.ts';
import { deskToday, deskZoneLabel, formatAge, formatChange, formatDateTime, formatPercent } from '../web/src/lib/format.ts';
import { strategyNamer } from '../web/src/lib/names.ts';
import { sessionLabel } from '../web/src/lib/orders.ts';
import { latestEquity, scopeOf, totalSnapshots, type Snapshot } from '../web/src/lib/snapshots.ts';
import { parseSquareOffAnswer, squareOffOutcome, squareOffProgress } from '../web/src/lib/square-off.ts';
import { isFinished, mergeJobEvent, parseJobEvent, progressLabel } from '../web/src/lib/jobs.ts';
import { appendTick, parseTick } from '../web/src/lib/live.ts';
import { can, cancelScopeOf, type Me } from '../web/src/lib/permissions.ts';
import {
  auctionSeries,
  candlesFrom,
  markerLabelPadding,
  monthlyByStrategy,
  pnlSeries,
  priceAxisRange,
  signalMarkers,
  varChartData,
} from '../web/src/lib/series.ts';

describe('permissions', () => {
  const viewer: Me = { kind: 'session', id: '1', name: 'vera', role: 'viewer', scopes: ['read'] };
  const admin: Me = { kind: 'session', id: '2', name: 'admin', role: 'admin', scopes: ['admin'] };
  it('lets a viewer read only, and an admin do everything', () => {
    expect(can(viewer, 'read')).toBe(true);
    expect(can(viewer, 'trade')).toBe(false);
    expect(can(admin, 'trade')).toBe(true);
    expect(can(null, 'read')).toBe(false);
  });
  it('names the scope that may cancel each job kind', () => {
    expect([cancelScopeOf('train'), cancelScopeOf('inference'), cancelScopeOf('risk-analysis'), cancelScopeOf('trading-scan'), cancelScopeOf('other')]).toEqual(
      ['models', 'models', 'risk', 'trade', 'admin'],
    );
  });
});

describe('job events', () => {
  it('reads an SSE payload, clamping progress to 0..1', () => {
    expect(parseJobEvent('{"id":"j","status":"running","stage":"fold 1","progress":1.7,"attempts":1,"error":null}')).toEqual({
      id: 'j',
      status: 'running',
      stage: 'fold 1',
      progress: 1,
      attempts: 1,
      error: null,
    });
  });
  it('refuses a payload without a known status instead of stalling silently', () => {
    expect(() => parseJobEvent('{"id":"j","status":"weird"}')).toThrow(/known status/);
    expect(() => parseJobEvent('not json')).toThrow(/not JSON/);
  });
  it('never runs progress backwards within an attempt, and keeps a finished job finished', () => {
    const running = parseJobEvent('{"id":"j","status":"running","progress":0.6,"attempts":1}');
    const late = parseJobEvent('{"id":"j","status":"running","progress":0.4,"attempts":1}');
    expect(mergeJobEvent(running, late).progress).toBe(0.6);
    const retried = parseJobEvent('{"id":"j","status":"running","progress":0.1,"attempts":2}');
    expect(mergeJobEvent(running, retried).progress).toBe(0.1);
    const done = parseJobEvent('{"id":"j","status":"succeeded","progress":1,"attempts":2}');
    expect(isFinished(mergeJobEvent(done, retried))).toBe(true);
    expect(progressLabel(running)).toBe('60%');
  });
});

describe('chart series', () => {
  it('orders candles by day and keeps one per day', () => {
    const candles = candlesFrom([
      { date: '2024-01-03', open: 2, high: 3, low: 1, close: 2 },
      { date: '2024-01-02', open: 1, high: 2, low: 1, close: 1 },
      { date: '2024-01-03', open: 9, high: 9, low: 9, close: 9 },
    ]);
    expect(candles.map((candle) => [candle.time, candle.close])).toEqual([
      ['2024-01-02', 1],
      ['2024-01-03', 9],
    ]);
  });
  it('marks buys below the bar and sells above, for the chart symbol only, in time order', () => {
    const markers = signalMarkers(
      [
        { symbol: 'AAPL', side: 'sell', bar_date: '2024-02-01', status: 'approved' },
        { symbol: 'MSFT', side: 'buy', bar_date: '2024-01-15' },
        { symbol: 'aapl', side: 'buy', bar_date: '2024-01-10' },
      ],
      'AAPL',
    );
    expect(markers.map((marker) => [marker.time, marker.position, marker.shape])).toEqual([
      ['2024-01-10', 'belowBar', 'arrowUp'],
      ['2024-02-01', 'aboveBar', 'arrowDown'],
    ]);
    expect(markers[1]!.text).toBe('sell (approved)');
  });
  it('derives daily, cumulative P&L and drawdown from equity', () => {
    const series = pnlSeries([
      { date: '2024-01-03', equity: 90 },
      { date: '2024-01-02', equity: 110 },
      { date: '2024-01-01', equity: 100 },
    ]);
    expect(series.daily).toEqual([0, 10, -20]);
    expect(series.cumulative).toEqual([0, 10, -10]);
    expect(series.drawdown).toEqual([0, 0, -20]);
    expect(series.days[1]! - series.days[0]!).toBe(86_400);
  });
  it('groups daily P&L by month and strategy, zero where a strategy was idle', () => {
    const { months, byStrategy } = monthlyByStrategy([
      { date: '2024-01-05', strategy: 'a', pnl: 1 },
      { date: '2024-01-20', strategy: 'a', pnl: 2 },
      { date: '2024-02-01', strategy: 'b', pnl: -4 },
    ]);
    expect(months).toEqual(['2024-01', '2024-02']);
    expect(byStrategy.get('a')).toEqual([3, 0]);
    expect(byStrategy.get('b')).toEqual([0, -4]);
  });
  it('draws the reference VaR chart: per-signal 95/99 and their averages as flat lines', () => {
    const [x, v95, v99, a95, a99] = varChartData({ var95: [-0.01, -0.03], var99: [-0.02, -0.04, -0.05], averageVar95: -0.02, averageVar99: -0.03 });
    expect(x).toEqual([1, 2]);
    expect(v95).toEqual([-0.01, -0.03]);
    expect(v99).toEqual([-0.02, -0.04]);
    expect(a95).toEqual([-0.02, -0.02]);
    expect(a99).toEqual([-0.03, -0.03]);
  });
  it('keeps auction gaps as gaps, ordered by seconds_in_bucket', () => {
    const [seconds, reference] = auctionSeries([
      { seconds_in_bucket: 10, reference_price: null, wap: 1, bid_price: 1, ask_price: 1, imbalance_size: 0, target: 0 },
      { seconds_in_bucket: 0, reference_price: 1.001, wap: 1, bid_price: 1, ask_price: 1, imbalance_size: 0, target: 0 },
    ]);
    expect(seconds).toEqual([0, 10]);
    expect(reference).toEqual([1.001, null]);
  });
});

describe('live ticks', () => {
  it('reads trades, bars and quotes (mid price), with times in seconds', () => {
    expect(parseTick('trade', '{"symbol":"AAPL","time":1700000000000,"price":190.5,"size":3}')).toEqual({
      symbol: 'AAPL',
      type: 'trade',
      time: 1_700_000_000,
      price: 190.5,
    });
    expect(parseTick('bar', '{"symbol":"AAPL","time":1700000060,"close":191}')!.price).toBe(191);
    expect(parseTick('quote', '{"symbol":"AAPL","time":1700000000,"bid":1,"ask":3}')).toMatchObject({ price: 2, bid: 1, ask: 3 });
    expect(parseTick('quote', '{"symbol":"AAPL","time":1700000000,"bid":1}')).toBeNull();
  });
  it('keeps a bounded history whose times only grow', () => {
    let history = appendTick(undefined, { symbol: 'A', type: 'trade', time: 1, price: 1 }, 2);
    history = appendTick(history, { symbol: 'A', type: 'trade', time: 2, price: 2 }, 2);
    history = appendTick(history, { symbol: 'A', type: 'trade', time: 2, price: 2.5 }, 2);
    history = appendTick(history, { symbol: 'A', type: 'trade', time: 1.5, price: 9 }, 2);
    history = appendTick(history, { symbol: 'A', type: 'trade', time: 3, price: 3 }, 2);
    expect(history).toEqual({ times: [2, 3], prices: [2.5, 3] });
  });
});

describe('CSV import', () => {
  it('reads auction rows with nulls for empty and NaN cells, and names the line of a bad one', () => {
    const rows = parseAuctionCsv('stock_id,date_id,seconds_in_bucket,far_price,row_id\r\n0,1,10,,0_1_10\n1,1,10,NaN,\n');
    expect(rows).toEqual([
      { stock_id: 0, date_id: 1, seconds_in_bucket: 10, far_price: null, row_id: '0_1_10' },
      { stock_id: 1, date_id: 1, seconds_in_bucket: 10, far_price: null },
    ]);
    expect(() => parseAuctionCsv('stock_id,date_id,seconds_in_bucket\n0,1,abc\n')).toThrow('line 2: seconds_in_bucket is not a number: "abc"');
    expect(() => parseAuctionCsv('stock_id,date_id\n')).toThrow('lacks seconds_in_bucket');
  });
  it('reads quoted fields: a comma, a doubled quote and a line break inside quotes, as a spreadsheet writes them', () => {
    const text = 'stock_id,date_id,seconds_in_bucket,"far_price",row_id\n0,1,10,"1.5","0_1,10"\n1,1,"20",,"say ""hi""\nthere"\n';
    expect(parseAuctionCsv(text)).toEqual([
      { stock_id: 0, date_id: 1, seconds_in_bucket: 10, far_price: 1.5, row_id: '0_1,10' },
      { stock_id: 1, date_id: 1, seconds_in_bucket: 20, far_price: null, row_id: 'say "hi"\nthere' },
    ]);
    expect(() => parseAuctionCsv('stock_id,date_id,seconds_in_bucket\n0,1,"10\n')).toThrow('line 2: Quoted field unterminated');
    expect(() => parseAuctionCsv('stock_id,date_id,seconds_in_bucket\n0,"1,2",10\n')).toThrow('line 2: date_id is not a number: "1,2"');
  });
  it('sends in batches of at most the given size', () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});

describe('formatting', () => {
  it('signs changes and percentages, and says how old something is', () => {
    expect(formatChange(12)).toBe('+$12.00');
    expect(formatChange(-3.5)).toBe('-$3.50');
    expect(formatPercent(0.0123, { signed: true })).toBe('+1.23%');
    expect(formatAge(5_000)).toBe('5 s ago');
    expect(formatAge(null)).toBe('—');
  });
});

/** A FormData as the browser builds it from a form's inputs. */
const formOf = (fields: Record<string, string>): FormData => {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
};

describe('API validation messages by field', () => {
  it('puts a refused limit under its input and a missing reason under the reason', () => {
    expect(fieldOfApiMessage('body/limits/max_drawdown must be >= 0')).toEqual({ field: 'limits.max_drawdown', message: 'must be >= 0' });
    expect(fieldOfApiMessage("body must have required property 'reason'")).toEqual({ field: 'reason', message: 'reason is required' });
    expect(fieldOfApiMessage("body/rule must have required property 'kind'")).toEqual({ field: 'rule.kind', message: 'kind is required' });
    expect(fieldOfApiMessage('strategy 9 does not exist')).toBeNull();
  });
  it('keeps a message about an input the form lacks for the form as a whole, never dropped', () => {
    expect(apiErrorsFor('body/rule/fast must be shorter than slow (10), got 30', ['rule.fast'])).toEqual({
      'rule.fast': 'must be shorter than slow (10), got 30',
    });
    expect(apiErrorsFor('body/limits/max_leverage is not a limit (the limits: …)', ['limits.max_var99'])).toEqual({
      '': 'body/limits/max_leverage is not a limit (the limits: …)',
    });
  });
});

describe('limits form', () => {
  it('sends empty inputs as no limit (null) and reads thousands separators', () => {
    const { value, errors } = limitChangeFromForm(
      formOf({ 'limits.max_order_notional': '25,000', 'limits.max_drawdown': '0.1', 'limits.max_var99': '', breach_action: 'reducing', reason: ' committee ' }),
      false,
    );
    expect(errors).toEqual({});
    expect(value).toMatchObject({ breach_action: 'reducing', reason: 'committee' });
    expect(value!.limits).toMatchObject({ max_order_notional: 25_000, max_drawdown: 0.1, max_var99: null });
  });
  it('names each bad limit and the missing reason, and sends nothing', () => {
    const { value, errors } = limitChangeFromForm(
      formOf({ 'limits.max_order_notional': '-5', 'limits.max_drawdown': '10', 'limits.max_orders_per_minute': '2.5', 'limits.max_var99': 'lots', reason: '' }),
      false,
    );
    expect(value).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual([
      'limits.max_drawdown',
      'limits.max_order_notional',
      'limits.max_orders_per_minute',
      'limits.max_var99',
      'reason',
    ]);
    expect(errors['limits.max_drawdown']).toContain('fraction');
  });
  it('offers the allocation-use limit per strategy only', () => {
    expect(fieldsOfScope(false).map((field) => field.name)).not.toContain('max_allocation_use');
    expect(fieldsOfScope(true).map((field) => field.name)).toContain('max_allocation_use');
    expect(describeLimits({ max_order_notional: 500, max_drawdown: 0.1 })).toBe('Max order value $500.00; Max drawdown 10.0%');
    expect(describeLimits({})).toBe('no limit');
  });
});

describe('history of maximum risk', () => {
  const day = (date: string, var99: number | null, uses: (number | null)[] = []) => ({
    date,
    gross_exposure: 1000,
    net_exposure: 500,
    var95: var99 === null ? null : var99 / 2,
    var99,
    es95: null,
    es99: var99,
    details: { limits: uses.map((use) => ({ scope: 'global', limit: 'max_var99' as const, threshold: 100, value: use === null ? null : use * 100, use })) },
  });
  it('orders days, keeps missing VaR as gaps and takes the closest limit of each day', () => {
    const series = riskHistorySeries([day('2024-01-03', 30, [0.5, 0.95]), day('2024-01-02', null), day('2024-01-04', 10, [null])]);
    expect(series.var99).toEqual([null, 30, 10]);
    expect(series.closestLimit).toEqual([null, 0.95, null]);
    expect(series.days[1]! - series.days[0]!).toBe(86_400);
  });
  it('finds the day of maximum risk by VaR 99', () => {
    expect(worstDay([day('2024-01-02', 10), day('2024-01-03', 40), day('2024-01-04', null)])!.date).toBe('2024-01-03');
    expect(worstDay([day('2024-01-02', null)])).toBeNull();
  });
});

describe('strategy form', () => {
  const filled = (overrides: Record<string, string> = {}) =>
    formOf({
      name: 'crossing',
      account_id: 'paper',
      universe: 'aapl, msft aapl',
      'rule.kind': 'moving_average_crossover',
      'rule.fast': '10',
      'rule.slow': '40',
      side_policy: 'long_only',
      warmup_bars: '60',
      'entry.timing': 'close',
      'sizing.mode': 'fixed_quantity',
      'sizing.quantity': '25',
      allocation: '10000',
      'exits.after_bars': '5',
      'schedule.cron': '',
      approval: 'auto',
      enabled: 'on',
      ...overrides,
    });
  it('reads a strategy: symbols upper-cased once, an empty cron is on demand only', () => {
    const { value, errors } = strategyFromForm(filled());
    expect(errors).toEqual({});
    expect(value).toMatchObject({
      universe: ['AAPL', 'MSFT'],
      rule: { kind: 'moving_average_crossover', fast: 10, slow: 40 },
      sizing: { mode: 'fixed_quantity', quantity: 25 },
      schedule: null,
      approval: 'auto',
      enabled: true,
      exits: { after_bars: 5 },
    });
  });
  it('refuses a fast average not shorter than the slow one, under the fast input', () => {
    const { value, errors } = strategyFromForm(filled({ 'rule.fast': '50' }));
    expect(value).toBeUndefined();
    expect(errors).toEqual({ 'rule.fast': 'Fast must be shorter than slow (40).' });
  });
  it('names every bad field: empty name, a bad symbol, a share above 1, a four-field cron', () => {
    const { errors } = strategyFromForm(
      filled({ name: ' ', universe: 'AAPL, BAD$', 'sizing.mode': 'allocation_share', 'sizing.share': '1.5', 'schedule.cron': '30 16 * *' }),
    );
    expect(Object.keys(errors).sort()).toEqual(['name', 'schedule.cron', 'sizing.share', 'universe']);
    expect(errors.universe).toContain('"BAD$"');
  });
  it('keeps rule options the form does not show when the rule stays the same', () => {
    const stored: StrategyDefinition = {
      ...newStrategy,
      name: 'crows',
      universe: ['NVDA'],
      rule: { kind: 'three_candles', body: 0.01, body_mode: 'relative' },
    };
    const { value } = strategyFromForm(filled({ 'rule.kind': 'three_candles', 'rule.body': '0.02' }), stored);
    expect(value!.rule).toEqual({ kind: 'three_candles', body: 0.02, body_mode: 'relative' });
  });
  it('sends only what an edit changed, whatever order the stored rule keys come in', () => {
    const stored = strategyFromForm(filled()).value!;
    const reordered = { ...stored, rule: { slow: 40, kind: 'moving_average_crossover', fast: 10 } } as StrategyDefinition;
    expect(changedFields(reordered, stored)).toEqual({});
    const edited = strategyFromForm(filled({ 'sizing.quantity': '30', approval: 'manual' })).value!;
    expect(changedFields(reordered, edited)).toEqual({ sizing: { mode: 'fixed_quantity', quantity: 30 }, approval: 'manual' });
  });
});

describe('strategy code instances', () => {
  // GET /trading/strategy-code's entry for docs/strategies.md's sma-cross, as a user's STRATEGIES_DIR lists it.
  const smaCross: StrategyCode = {
    name: 'sma-cross',
    description: 'long while the fast SMA of closes is above the slow one, flat otherwise',
    origin: 'user',
    source_hash: 'a'.repeat(64),
    file: 'sma-cross.mjs',
    parameters: {
      type: 'object',
      properties: {
        fast: { type: 'integer', minimum: 1, maximum: 200, default: 10, description: 'bars of the fast average' },
        slow: { type: 'integer', minimum: 2, maximum: 500, default: 30, description: 'bars of the slow average' },
        quantity: { type: 'integer', minimum: 1, default: 100 },
        side: {
          anyOf: [
            { const: 'long', type: 'string' },
            { const: 'short', type: 'string' },
          ],
          default: 'long',
        },
      },
    },
  };
  it("labels a user module's instance (rule null: the Strategies page went blank on it) by its code, parameters, interval and mode", () => {
    expect(strategyLabel({ rule: null, code: 'sma-cross', parameters: { fast: 2, slow: 5 }, interval: '1m', mode: 'live' })).toBe(
      'sma-cross (fast 2, slow 5), 1m, live',
    );
    expect(strategyLabel({ rule: null, code: 'sma-cross', parameters: {}, interval: '1d', mode: 'scheduled' })).toBe('sma-cross');
    expect(
      strategyLabel({
        rule: { kind: 'moving_average_crossover', fast: 10, slow: 40 },
        code: 'moving_average_crossover',
        parameters: {},
        interval: '1d',
        mode: 'scheduled',
      }),
    ).toBe('MA crossover 10 / 40');
  });
  it("reads the parameter inputs from the code's schema: kinds, bounds, choices, hints", () => {
    const fields = parameterFields(smaCross);
    expect(fields.map((field) => [field.name, field.kind])).toEqual([
      ['fast', 'integer'],
      ['slow', 'integer'],
      ['quantity', 'integer'],
      ['side', 'choice'],
    ]);
    expect(fields[0]).toMatchObject({ minimum: 1, maximum: 200, default: 10, hint: 'bars of the fast average; 1 to 200; empty: 10' });
    expect(fields[3]!.choices).toEqual(['long', 'short']);
  });
  const filled = (overrides: Record<string, string> = {}) =>
    formOf({
      name: 'my sma',
      universe: 'aapl, msft btc-perp',
      interval: '1m',
      mode: 'live',
      approval: 'manual',
      allocation: '100000',
      'parameters.fast': '2',
      'parameters.slow': '5',
      'parameters.quantity': '',
      'parameters.side': 'long',
      ...overrides,
    });
  it('reads an instance: empty parameters left to their defaults, a live one with no scan schedule', () => {
    const { value, errors } = codeInstanceFromForm(filled(), smaCross);
    expect(errors).toEqual({});
    expect(value).toEqual({
      name: 'my sma',
      code: 'sma-cross',
      universe: ['AAPL', 'MSFT', 'BTC-PERP'],
      interval: '1m',
      mode: 'live',
      approval: 'manual',
      allocation: 100000,
      schedule: null,
      parameters: { fast: 2, slow: 5, side: 'long' },
    });
    expect(codeInstanceFromForm(filled({ mode: 'scheduled', interval: '1d' }), smaCross).value).not.toHaveProperty('schedule');
  });
  it("refuses what the schema refuses, under each parameter's input", () => {
    const { value, errors } = codeInstanceFromForm(
      filled({ 'parameters.fast': '0', 'parameters.slow': '2.5', 'parameters.side': 'sideways', interval: '1 minute', universe: '' }),
      smaCross,
    );
    expect(value).toBeUndefined();
    expect(errors).toEqual({
      'parameters.fast': 'fast must be at least 1.',
      'parameters.slow': 'slow must be a whole number.',
      'parameters.side': 'side: one of long, short.',
      interval: 'Interval "1 minute" is not one: a number and s, m, h, d or w (1m, 5m, 1d).',
      universe: 'Universe needs at least one symbol.',
    });
  });
  it("puts the API's refusal of a parameter (the code's own cross-field rule) under that parameter's input", () => {
    expect(apiErrorsFor('body/parameters/fast: parameter /fast = 9 is not allowed: shorter than slow (5)', ['name', 'parameters.fast'])).toEqual({
      'parameters.fast': 'parameter /fast = 9 is not allowed: shorter than slow (5)',
    });
  });
});

describe('backtest report', () => {
  it("leaves out the counts a code's backtest does not have (it read ' signals, 240 orders ( expired)')", () => {
    expect(backtestCountsLine({ signals: null, orders: 240, fills: 239, expired_orders: null })).toBe('240 orders, 239 fills');
    expect(backtestCountsLine({ signals: 12, orders: 12, expired_orders: 2 })).toBe('12 signals, 12 orders (2 expired)');
  });
  it('shows the minute of an intraday trade in the desk zone, the date of a daily one', () => {
    expect(tradeTimeLabel('2021-08-23T13:39:00.000Z', '1m', 'America/New_York')).toBe('2021-08-23 09:39:00 EDT');
    expect(tradeTimeLabel('2021-08-23T20:00:00.000Z', '1d', 'America/New_York')).toBe('2021-08-23');
    expect(tradeTimeLabel('2021-08-23T20:00:00.000Z', undefined)).toBe('2021-08-23');
  });
  it("links the API's exports", () => {
    const id = '69788dfc-019e-4be2-a00a-3dae272ad366';
    expect(
      backtestExports({
        json: `/trading/backtests/${id}/report.json`,
        trades_csv: `/trading/backtests/${id}/trades.csv`,
        equity_csv: `/trading/backtests/${id}/equity.csv`,
      }).map((link) => link.label),
    ).toEqual(['report (JSON)', 'trades (CSV)', 'equity (CSV)']);
    expect(backtestExports(undefined)).toEqual([]);
  });
});

describe('alert lines', () => {
  it("lists every event of the API's channel switches, in the API's order", () => {
    const document = JSON.parse(readFileSync(new URL('../openapi/closecross.openapi.json', import.meta.url), 'utf8'));
    const channel = document.paths['/alerts/channels'].get.responses['200'].content['application/json'].schema.properties.channels.items;
    expect(alertEvents).toEqual(Object.keys(channel.properties.events.properties));
    expect(alertEvents).toContain('square_off_done');
  });
  it('says what a refused order and a state change were about', () => {
    expect(alertSummary('order_rejected', { side: 'buy', quantity: 1000, symbol: 'SYNTH', check: 'order_notional', reason: 'worth 98,000, over 500' })).toBe(
      'buy 1,000 SYNTH refused by order_notional: worth 98,000, over 500',
    );
    expect(alertSummary('trading_state_changed', { scope: 'global', from: 'halted', to: 'active', by: 'tina', reason: 'loss reviewed' })).toBe(
      'global: halted → active by tina (loss reviewed)',
    );
    expect(alertSummary('test', { text: 'hello' })).toBe('hello');
  });
  it('says a square-off that left a position open is incomplete, with what remains and why, never "done"', () => {
    const incomplete = {
      scope: 'global',
      status: 'incomplete',
      cancelled_orders: 1,
      closed_positions: 0,
      remaining: { open_orders: 1, positions: 1 },
      waiting_for: 'market closed: waits for the open of 2026-12-07',
      failures: [{ what: 'position', symbol: 'AAPL', reason: '10 left: market closed: waits for the open of 2026-12-07' }],
    };
    expect(eventLabel('square_off_done', incomplete)).toBe('square off incomplete');
    expect(alertSummary('square_off_done', incomplete)).toBe(
      'INCOMPLETE: global: 1 cancelled, 0 closed; 1 position remains, 1 order remains (market closed: waits for the open of 2026-12-07). Left: position AAPL: 10 left: market closed: waits for the open of 2026-12-07',
    );
    const done = { scope: 'global', status: 'done', cancelled_orders: 2, closed_positions: 3, remaining: { open_orders: 0, positions: 0 }, failures: [] };
    expect(eventLabel('square_off_done', done)).toBe('square off done');
    expect(alertSummary('square_off_done', done)).toBe('done: global: 2 cancelled, 3 closed');
    // An alert from before the status existed: a failure means incomplete.
    expect(
      eventLabel('square_off_done', { scope: 'global', cancelled_orders: 0, closed_positions: 0, failures: [{ what: 'open order', reason: 'timeout' }] }),
    ).toBe('square off incomplete');
    // The channel switch has no payload: it names the event without claiming an outcome.
    expect(eventLabel('square_off_done')).toBe('square off');
  });
  it('says how each delivery went, with the error of one that failed', () => {
    expect(deliverySummary([])).toBe('no channel');
    expect(
      deliverySummary([
        { channel_name: 'desk', status: 'sent', attempts: 1, last_error: null },
        { channel_name: 'ops', status: 'failed', attempts: 3, last_error: 'HTTP 500' },
      ]),
    ).toBe('sent to desk; failed for ops (HTTP 500, 3 attempts)');
  });
});

/** A daily snapshot row as GET /trading/snapshots answers it (services/trading snapshot-job.ts). */
const snapshotRow = (scope: string, date: string, equity: number, strategyId: number | null = null): Snapshot => ({
  scope,
  date,
  strategy_id: strategyId,
  realized: 0,
  unrealized: 0,
  equity,
  cash: equity,
  exposure: 0,
  peak_equity: equity,
  drawdown: 0,
});

describe('daily snapshots', () => {
  it("takes the Overview's equity from the book's snapshot (scope total, as the API writes it), the latest day", () => {
    const rows = [snapshotRow('total', '2026-12-03', 10_250.5), snapshotRow('total', '2026-12-04', 10_100.25)];
    expect(latestEquity(rows)).toEqual({ equity: 10_100.25, date: '2026-12-04' });
    expect(totalSnapshots([...rows].reverse()).map((row) => row.date)).toEqual(['2026-12-03', '2026-12-04']);
    expect(latestEquity([])).toBeNull();
  });
  it('refuses a scope the API does not write instead of showing "no snapshot"', () => {
    expect(scopeOf(snapshotRow('strategy:3', '2026-12-04', 1))).toBe('strategy:3');
    expect(scopeOf(snapshotRow('manual', '2026-12-04', 1))).toBe('manual');
    expect(() => scopeOf(snapshotRow('portfolio', '2026-12-04', 1))).toThrow(/scope "portfolio"; the dashboard knows total, manual and strategy:<id>/);
  });
  it('does not compile a comparison with a scope that does not exist', () => {
    const scope = scopeOf(snapshotRow('total', '2026-12-04', 1));
    // @ts-expect-error -- 'portfolio' is no snapshot scope: tsc fails here if the type ever widens to any string
    expect(scope === 'portfolio').toBe(false);
  });
});

/** The answer of POST /trading/square-off as services/trading square-off.ts builds it. */
const squareOffAnswer = (status: 'done' | 'incomplete', remaining: { positions?: unknown[]; open_orders?: unknown[] } = {}) => ({
  id: 'a1b2c3d4-0000-4000-8000-000000000000',
  scope: 'global',
  status,
  requested_by: 'admin',
  halted: { scope: 'global', from: 'active', changed: true },
  actions: [
    {
      kind: 'cancel',
      order_id: '11111111-aaaa-4000-8000-000000000000',
      strategy_id: 2,
      symbol: 'NVDA',
      side: 'buy',
      quantity: 10,
      outcome: 'done',
      state: 'cancelled',
      attempts: 1,
      reason: null,
    },
    {
      kind: 'close',
      order_id: '22222222-bbbb-4000-8000-000000000000',
      strategy_id: 2,
      symbol: 'NVDA',
      side: 'sell',
      quantity: 7,
      outcome: status === 'done' ? 'done' : 'open',
      state: status === 'done' ? 'filled' : 'accepted',
      attempts: 9,
      reason: status === 'done' ? null : 'still accepted at the deadline: market closed: waits for the open of 2026-12-07',
    },
  ],
  remaining: { positions: remaining.positions ?? [], open_orders: remaining.open_orders ?? [] },
  started_at: '2026-12-06T22:00:00.000Z',
  finished_at: '2026-12-06T22:00:30.000Z',
  duration_ms: status === 'done' ? 1_250 : 30_004,
});

describe('square-off outcome', () => {
  const names = strategyNamer([{ id: 2, name: 'soldiers' }]);
  it('says incomplete, with what remains and why, when the API says incomplete', () => {
    const answer = parseSquareOffAnswer(
      squareOffAnswer('incomplete', {
        positions: [{ strategy_id: 2, symbol: 'NVDA', quantity: 7, reason: 'still accepted at the deadline: market closed: waits for the open of 2026-12-07' }],
        open_orders: [
          {
            order_id: '22222222-bbbb-4000-8000-000000000000',
            strategy_id: 2,
            symbol: 'NVDA',
            state: 'accepted',
            reason: 'still accepted at the deadline: market closed: waits for the open of 2026-12-07',
          },
        ],
      }),
    );
    const outcome = squareOffOutcome(answer, names);
    expect(outcome.status).toBe('incomplete');
    expect(outcome.headline).toBe(
      'Square-off incomplete after 30.0 s: 1 order cancelled, 0 positions closed; 1 position and 1 open order remain. Trading stays halted.',
    );
    expect(outcome.headline).not.toMatch(/done/);
    expect(outcome.remaining).toEqual([
      'NVDA 7 held (soldiers): still accepted at the deadline: market closed: waits for the open of 2026-12-07',
      'order 22222222 NVDA accepted (soldiers): still accepted at the deadline: market closed: waits for the open of 2026-12-07',
    ]);
  });
  it('says done only when the API says done and nothing remains', () => {
    expect(squareOffOutcome(parseSquareOffAnswer(squareOffAnswer('done')), names)).toEqual({
      status: 'done',
      headline: 'Square-off done in 1.3 s: 1 order cancelled, 1 position closed; nothing open.',
      remaining: [],
    });
    // "done" beside a remaining position is not believed: what remains is shown.
    const contradictory = squareOffOutcome(
      parseSquareOffAnswer(squareOffAnswer('done', { positions: [{ strategy_id: null, symbol: 'UPCO', quantity: 4, reason: 'not closed' }] })),
      names,
    );
    expect(contradictory.status).toBe('incomplete');
    expect(contradictory.remaining).toEqual(['UPCO 4 held (manual): not closed']);
  });
  it('refuses an answer without a known status or without what remains', () => {
    expect(() => parseSquareOffAnswer({ result: 'ok' })).toThrow(/without a known status/);
    expect(() => parseSquareOffAnswer({ status: 'incomplete' })).toThrow(/without what remains/);
  });
  it('shows what is still open while it runs and after', () => {
    expect(squareOffProgress(1, 2, 12_400)).toBe('Squaring off for 12 s: now 1 position and 2 open orders.');
    expect(squareOffProgress(0, 0, null)).toBe('Since then: nothing open now.');
  });
});

describe('exposures held and pending', () => {
  it('splits the API projected quantity into held and open orders (NVDA 17 = 7 held + 10 pending)', () => {
    const rows = exposureRows([{ symbol: 'NVDA', quantity: 17, price: 120, exposure: 2_040 }], [{ symbol: 'NVDA', quantity: 7, last_price: 119 }]);
    expect(rows).toEqual([{ symbol: 'NVDA', held: 7, pending: 10, ifFilled: 17, price: 120, exposure: 2_040 }]);
  });
  it('keeps a position whose closing order waits (the API nets it to nothing) as held, not "nothing held"', () => {
    const rows = exposureRows(
      [],
      [
        { symbol: 'NVDA', quantity: 7, last_price: 119 },
        { symbol: 'AAPL', quantity: 0, last_price: 190 },
      ],
    );
    expect(rows).toEqual([{ symbol: 'NVDA', held: 7, pending: -7, ifFilled: 0, price: 119, exposure: null }]);
  });
  it("shows a strategy's own state as the state table does, and what all trading's state makes of it", () => {
    expect(strategyStateLabel('active', 'halted')).toBe('active (all trading halted)');
    expect(strategyStateLabel('active', 'active')).toBe('active');
    expect(strategyStateLabel('halted', 'reducing')).toBe('halted');
    expect(strategyStateLabel(null, 'halted')).toBe('halted (all trading)');
  });
});

describe("the desk's time zone", () => {
  it('shows an instant in the desk zone with its label, daylight saving included', () => {
    expect(formatDateTime('2026-12-06T22:40:29Z', 'America/New_York')).toBe('2026-12-06 17:40:29 EST');
    expect(formatDateTime('2026-07-06T22:40:29Z', 'America/New_York')).toBe('2026-07-06 18:40:29 EDT');
    expect(formatDateTime('2026-12-06T22:40:29Z', 'UTC')).toBe('2026-12-06 22:40:29 UTC');
    expect(formatDateTime(null)).toBe('—');
  });
  it("knows the desk's today, which is not UTC's in the evening", () => {
    expect(deskToday(new Date('2026-12-07T03:00:00Z'), 'America/New_York')).toBe('2026-12-06');
    expect(deskZoneLabel(new Date('2026-12-07T03:00:00Z'), 'America/New_York')).toBe('America/New_York, EST');
  });
});

describe('names and sessions', () => {
  it('names strategies, the manual book, and an unknown id', () => {
    const name = strategyNamer([{ id: 4, name: 'soldiers' }]);
    expect([name(4), name(null), name(9)]).toEqual(['soldiers', 'manual', 'strategy #9']);
  });
  it('says which session an open order waits for', () => {
    expect(sessionLabel({ session_date: '2026-12-07', state: 'accepted' }, '2026-12-06')).toBe('waits for the session of 2026-12-07');
    expect(sessionLabel({ session_date: '2026-12-04', state: 'filled' }, '2026-12-06')).toBe('2026-12-04');
    expect(sessionLabel({ session_date: '2026-12-07', state: 'cancelled' }, '2026-12-06')).toBe('2026-12-07');
  });
});

describe('chart value axes', () => {
  const sevenPixelsPerCharacter = { font: '', measureText: (text: string) => ({ width: text.length * 7 }) };
  it('gives a chart without its own axes a value axis sized to its labels (the P&L and backtest charts)', () => {
    const axes = axesSizedToLabels({ series: [{}, { label: 'daily P&L' }] });
    expect(axes).toHaveLength(2);
    expect(axes[0]!.size).toBeUndefined();
    expect(typeof axes[1]!.size).toBe('function');
  });
  it('keeps an axis of a fixed size, and sizes each of several value axes', () => {
    const axes = axesSizedToLabels({ series: [{}], axes: [{}, { size: 40 }, { label: 'target', side: 1 }] });
    expect(axes[1]!.size).toBe(40);
    expect(typeof axes[2]!.size).toBe('function');
  });
  it('ticks a chart of days on whole days, labelled with the date in no time zone', () => {
    const axis = dailyXAxis({ label: 'day' });
    expect(axis.label).toBe('day');
    expect(axis.incrs).toBe(dailyIncrements);
    expect(Math.min(...dailyIncrements)).toBe(86_400);
    const values = axis.values as (chart: unknown, splits: number[]) => string[];
    expect(values(null, [Date.parse('2026-12-03T00:00:00Z') / 1000, Date.parse('2026-12-04T00:00:00Z') / 1000])).toEqual(['2026-12-03', '2026-12-04']);
  });
  it('is as wide as the longest label (the first digit of -12,500.00 is not cut)', () => {
    expect(widthOfLabels(['148.45', '-12,500.00'], sevenPixelsPerCharacter, '12px sans', 0, 1)).toBe(10 * 7 + 18);
    expect(widthOfLabels(['-12,500.00'], sevenPixelsPerCharacter, undefined, 20, 2)).toBe(35 + 18 + 20);
  });
});

describe('daily chart range', () => {
  it('draws a single day (the first snapshot) a few days either side, not on an axis running three years ahead', () => {
    const day = Date.UTC(2026, 11, 4) / 1000;
    expect(dailyXRange([day])).toEqual([day - 3 * 86_400, day + 3 * 86_400]);
    expect(dailyXRange([day, day + 86_400, day + 86_400 * 10])).toEqual([day, day + 86_400 * 10]);
    expect(dailyXRange([])).toBeNull();
  });
});

describe('candle chart room', () => {
  it("leaves room beside the first and last bars for half the longest marker label ('sell (pending)' on 25 bars, 790 px)", () => {
    const pad = markerLabelPadding([{ text: 'buy (approved)' }, { text: 'sell (pending)' }], 25, 790);
    const spacing = 790 / (25 + 2 * pad);
    expect(pad * spacing).toBeGreaterThanOrEqual((14 * 7) / 2 + 6);
    expect(pad).toBe(3);
    expect(markerLabelPadding([], 25, 790)).toBe(0);
  });
  it('keeps the price axis at zero or above whatever margins are asked', () => {
    expect(priceAxisRange({ minValue: -100, maxValue: 105 })).toEqual({ minValue: 0, maxValue: 105 });
    expect(priceAxisRange({ minValue: 99.5, maxValue: 103.2 })).toEqual({ minValue: 99.5, maxValue: 103.2 });
    expect(priceAxisRange(null)).toBeNull();
  });
});

describe('live strategy status', () => {
  const status = {
    strategy_id: 1,
    status: 'running' as const,
    error: null,
    updated_at: '2026-12-07T04:45:56.770Z',
    prices: [{ symbol: 'BTC-PERP', last_price_at: null }],
    waiting_for: null,
  };
  it("shows the API's status, the fault that stopped one, and the live prices a running one waits for", () => {
    expect(liveStatusLine(undefined)).toBeUndefined();
    expect(liveStatusLine(status)).toEqual({ text: 'live: running', tone: 'ok' });
    const waiting = 'live prices for BTC-PERP (none yet): a live strategy hears the symbols the prices service serves; subscribe each';
    expect(liveStatusLine({ ...status, waiting_for: waiting })).toEqual({ text: `live: running, waiting for ${waiting}`, tone: 'warn' });
    expect(liveStatusLine({ ...status, status: 'failed', error: 'threw during onBar BTC-PERP 1m: boom' })).toEqual({
      text: 'live: stopped for a fault: threw during onBar BTC-PERP 1m: boom',
      tone: 'bad',
    });
    expect(liveStatusLine({ ...status, status: 'stopped' })).toEqual({ text: 'live: stopped', tone: 'warn' });
  });
});
