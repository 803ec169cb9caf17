import { describe, expect, it } from 'vitest';
import {
  heatColor,
  heatRange,
  nextSort,
  numericSensitivity,
  parametersLine,
  parseResearchProgress,
  runRequest,
  runStrategyLabel,
  searchInput,
  searchSpaceFromForm,
  sortTrials,
  trialBacktestBody,
  type Trial,
} from '../web/src/lib/research.ts';
import { parameterFields, type StrategyCode } from '../web/src/lib/strategy-code.ts';

// The moving-average cross's schema as GET /trading/strategy-code lists it (the parts the form reads).
const smaCross: StrategyCode = {
  name: 'moving_average_crossover',
  description: 'fast SMA crossing the slow one',
  origin: 'builtin',
  source_hash: 'b'.repeat(64),
  file: null,
  parameters: {
    type: 'object',
    properties: {
      fast: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
      slow: { type: 'integer', minimum: 2, maximum: 1000, default: 30 },
      entry: { anyOf: [{ const: 'close' }, { const: 'next_open' }, { const: 'limit' }], default: 'close' },
      stop_loss_pct: { type: 'number', minimum: 0, maximum: 100, default: 0 },
      exit_on_opposite_signal: { type: 'boolean', default: false },
    },
  },
};
const fields = parameterFields(smaCross);

function form(entries: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(entries)) data.set(name, value);
  return data;
}

describe('the search space read from the parameter rows', () => {
  it('makes a searched integer a range with its grid step, a searched choice a list, and a typed value in a row not searched a fixed parameter', () => {
    const read = searchSpaceFromForm(
      form({
        [searchInput('fast', 'search')]: 'on',
        [searchInput('fast', 'min')]: '5',
        [searchInput('fast', 'max')]: '20',
        [searchInput('fast', 'step')]: '5',
        [searchInput('entry', 'search')]: 'on',
        [searchInput('entry', 'values')]: 'close, next_open',
        [searchInput('slow', 'fixed')]: '60',
        [searchInput('exit_on_opposite_signal', 'fixed')]: 'true',
      }),
      fields,
      'grid',
    );
    expect(read.errors).toEqual({});
    expect(read.space).toEqual({ fast: { min: 5, max: 20, step: 5 }, entry: { values: ['close', 'next_open'] } });
    expect(read.parameters).toEqual({ slow: 60, exit_on_opposite_signal: true });
  });

  it('leaves the step out for random and TPE, but a grid needs it', () => {
    const rows = { [searchInput('stop_loss_pct', 'search')]: 'on', [searchInput('stop_loss_pct', 'min')]: '0.5', [searchInput('stop_loss_pct', 'max')]: '5' };
    expect(searchSpaceFromForm(form(rows), fields, 'tpe')).toMatchObject({ space: { stop_loss_pct: { min: 0.5, max: 5 } }, errors: {} });
    expect(searchSpaceFromForm(form(rows), fields, 'grid').errors).toEqual({ [searchInput('stop_loss_pct', 'step')]: 'stop_loss_pct step: required.' });
  });

  it.each([
    [{ min: '5', max: '5000', step: '5' }, 'max', 'fast max must be at most 1000.'],
    [{ min: '0', max: '20', step: '5' }, 'min', 'fast min must be at least 1.'],
    [{ min: '5', max: '20', step: '2.5' }, 'step', 'fast step must be a whole number.'],
    [{ min: '20', max: '5', step: '5' }, 'max', 'fast max (5) is below min (20).'],
    [{ min: 'five', max: '20', step: '5' }, 'min', 'fast min: "five" is not a number.'],
  ])('refuses fast %j under its %s input', (bounds, part, message) => {
    const read = searchSpaceFromForm(
      form({
        [searchInput('fast', 'search')]: 'on',
        [searchInput('fast', 'min')]: bounds.min,
        [searchInput('fast', 'max')]: bounds.max,
        [searchInput('fast', 'step')]: bounds.step,
      }),
      fields,
      'grid',
    );
    expect(read.errors[searchInput('fast', part as 'min')]).toBe(message);
  });

  it('refuses a choice the schema does not list, and a search of nothing', () => {
    expect(
      searchSpaceFromForm(form({ [searchInput('entry', 'search')]: 'on', [searchInput('entry', 'values')]: 'close tomorrow' }), fields, 'grid').errors,
    ).toEqual({
      [searchInput('entry', 'values')]: 'entry: "tomorrow" is not one of close, next_open, limit.',
    });
    expect(searchSpaceFromForm(form({}), fields, 'grid').errors).toEqual({ space: 'Search at least one parameter: tick its "search" box.' });
  });
});

const trial = (number: number, rank: number | null, sharpe: number | null, fast: number, status: Trial['status'] = 'succeeded'): Trial => ({
  trial: number,
  window: null,
  phase: 'search',
  status,
  rank,
  parameters: { fast },
  objective: sharpe,
  feasible: true,
  figures:
    sharpe === null
      ? null
      : {
          sharpe,
          sortino: null,
          net_profit: sharpe * 1000,
          total_return: 0,
          cagr: null,
          max_drawdown_pct: 10 - number,
          calmar: null,
          trades: number,
          win_rate: null,
          fees: 0,
          observations: 252,
          skewness: null,
          kurtosis: null,
        },
  error: status === 'failed' ? 'no bars' : null,
  job_id: null,
  start: '2018-08-23',
  end: '2021-08-23',
  finished_at: null,
});

describe('the trials table sort', () => {
  const trials = [trial(1, 2, 0.8, 10), trial(2, null, null, 5, 'failed'), trial(3, 1, 1.1, 20), trial(4, 3, 0.2, 15)];
  it('orders by rank, by Sharpe either way and by a parameter, a failed trial always last', () => {
    expect(sortTrials(trials, { key: 'rank', descending: false }).map((row) => row.trial)).toEqual([3, 1, 4, 2]);
    expect(sortTrials(trials, { key: 'sharpe', descending: true }).map((row) => row.trial)).toEqual([3, 1, 4, 2]);
    expect(sortTrials(trials, { key: 'sharpe', descending: false }).map((row) => row.trial)).toEqual([4, 1, 3, 2]);
    expect(sortTrials(trials, { key: 'parameter:fast', descending: false }).map((row) => row.trial)).toEqual([2, 1, 4, 3]);
  });
  it('turns the order round on a second click; a new figure column starts highest first, drawdown and rank lowest first', () => {
    expect(nextSort({ key: 'rank', descending: false }, 'sharpe')).toEqual({ key: 'sharpe', descending: true });
    expect(nextSort({ key: 'sharpe', descending: true }, 'sharpe')).toEqual({ key: 'sharpe', descending: false });
    expect(nextSort({ key: 'sharpe', descending: true }, 'max_drawdown_pct')).toEqual({ key: 'max_drawdown_pct', descending: false });
  });
});

describe('the heat map colours', () => {
  it('runs from light red at the worst through white to light green at the best; no trial is grey', () => {
    expect(heatColor(-1, -1, 1)).toBe('rgb(244, 182, 176)');
    expect(heatColor(0, -1, 1)).toBe('rgb(255, 255, 255)');
    expect(heatColor(1, -1, 1)).toBe('rgb(159, 217, 174)');
    expect(heatColor(null, -1, 1)).toBe('#eaeef2');
    expect(
      heatRange([
        [null, 0.5],
        [-0.25, null],
      ]),
    ).toEqual({ lowest: -0.25, highest: 0.5 });
    expect(heatRange([[null]])).toBeNull();
  });
});

describe("a trial's backtest", () => {
  it("replays the run's strategy with its fixed and the trial's parameters, on the run's universe, over the trial's period, with its costs", () => {
    // As the API echoes it: the request as it was posted, read by runRequest as the page does.
    const request = runRequest({
      strategy: { name: 'research sma', code: 'moving_average_crossover', universe: ['AAPL'], parameters: { quantity: 50 }, allocation: 100_000 },
      universe: ['AAPL', 'MSFT'],
      parameters: { exit_on_opposite_signal: true },
      costs: { fee_bps: 1 },
    });
    expect(trialBacktestBody(request, { parameters: { fast: 10, slow: 60 }, start: '2018-08-23', end: '2021-08-23' }).body).toEqual({
      strategy: {
        name: 'research sma',
        code: 'moving_average_crossover',
        universe: ['AAPL', 'MSFT'],
        parameters: { quantity: 50, exit_on_opposite_signal: true, fast: 10, slow: 60 },
        allocation: 100_000,
      },
      start: '2018-08-23',
      end: '2021-08-23',
      costs: { fee_bps: 1 },
    });
    expect(trialBacktestBody({ strategy_id: 4 }, { parameters: {}, start: '2020-01-02', end: '2020-12-31' }).problem).toMatch(/stored strategy/);
  });
});

describe('progress events and sensitivity', () => {
  it('reads a progress event and refuses one without a known status', () => {
    expect(parseResearchProgress('{"status":"running","stage":"trials","progress":0.5,"done":6,"budget":12,"best_objective":1.2}')).toMatchObject({
      status: 'running',
      done: 6,
      best_objective: 1.2,
    });
    expect(() => parseResearchProgress('{"status":"thinking"}')).toThrow(/known status/);
    expect(() => parseResearchProgress('not json')).toThrow(/not JSON/);
  });
  it('orders numeric sensitivity by value and leaves choices to a table', () => {
    expect(
      numericSensitivity([
        { value: 20, mean: 1, best: 2 },
        { value: 5, mean: 0.5, best: 0.7 },
      ]),
    ).toEqual([
      [5, 20],
      [0.5, 1],
      [0.7, 2],
    ]);
    expect(numericSensitivity([{ value: 'close', mean: 1, best: 2 }])).toBeNull();
    expect(parametersLine({ fast: 10, stop: 0.125 })).toBe('fast 10, stop 0.125');
  });
});

describe('runStrategyLabel', () => {
  it('names a stored strategy run on its own universe without an empty "on"', () => {
    expect(runStrategyLabel({ strategy_id: 1, start: '2016-01-04', end: '2020-12-31' })).toBe('strategy 1, 2016-01-04 to 2020-12-31');
  });
  it('names the universe when the request gives one, and an inline strategy by its code', () => {
    expect(runStrategyLabel({ strategy_id: 2, universe: ['AAPL', 'MSFT'], start: '2016-01-04' })).toBe('strategy 2 on AAPL, MSFT, 2016-01-04 to …');
    expect(runStrategyLabel({ strategy: { code: 'rsi', universe: ['SPY'] } })).toBe('rsi on SPY');
  });
});
