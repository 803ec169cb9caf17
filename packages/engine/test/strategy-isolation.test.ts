import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../src/clock.ts';
import type { Bar } from '../src/events.ts';
import { SimulatedExchange } from '../src/exchange/simulated-exchange.ts';
import { StrategyParameterError } from '../src/strategy/parameters.ts';
import { StrategyWorkerHost, listStrategies, sourceHash, type AccountSnapshot } from '../src/host.ts';
import { dailyBars } from './support/shared-bars.ts';

const fixtures = fileURLToPath(new URL('./fixtures/strategies/', import.meta.url));
const account: AccountSnapshot = { cash: 100_000, equity: 100_000, positions: [], openOrders: [] };
const bars: Bar[] = dailyBars('AAPL').slice(0, 6);
const hosts: StrategyWorkerHost[] = [];
const start = async (file: string, budgetMs = 500) => {
  const host = await StrategyWorkerHost.start(
    { source: { module: `${fixtures}${file}` }, params: {}, universe: ['AAPL'], interval: '1d', budgetMs },
    bars[0]!.startMs,
  );
  hosts.push(host);
  return host;
};
afterAll(async () => {
  for (const host of hosts) await host.terminate();
});

describe('strategies in worker threads, under a time budget per event', () => {
  it('a throwing strategy and one looping forever are stopped with their errors while a good one beside them goes on trading', async () => {
    const failures: string[] = [];
    const good = await start('buy-once.ts');
    const thrower = await StrategyWorkerHost.start(
      {
        source: { module: `${fixtures}throws-on-third-bar.ts` },
        params: {},
        universe: ['AAPL'],
        interval: '1d',
        budgetMs: 500,
        onFailure: (failure) => failures.push(`${failure.strategy}:${failure.reason}`),
      },
      bars[0]!.startMs,
    );
    hosts.push(thrower);
    const looper = await start('loops-forever.ts', 300);
    const commands: string[] = [];
    let loopStoppedAfterMs = 0;
    for (const bar of bars) {
      const [fromGood, fromThrower] = await Promise.all([good.event(bar, bar.endMs, account), thrower.event(bar, bar.endMs, account)]);
      commands.push(...fromGood.commands.map((command) => command.type));
      if (fromThrower.failure) expect(fromThrower.failure.message).toContain('division by zero in my signal');
      const before = performance.now();
      const fromLooper = await looper.event(bar, bar.endMs, account);
      if (fromLooper.failure && loopStoppedAfterMs === 0) loopStoppedAfterMs = performance.now() - before;
    }
    expect(good.running).toBe(true);
    expect(good.state).toEqual({ bars: 6 });
    expect(commands).toEqual(['submit']);
    expect(thrower.running).toBe(false);
    expect(thrower.failure).toMatchObject({ strategy: 'throws-on-third-bar', reason: 'threw', during: expect.stringContaining('onBar AAPL 1d') });
    expect(failures).toEqual(['throws-on-third-bar:threw']);
    expect(looper.failure).toMatchObject({ strategy: 'loops-forever', reason: 'over_budget', message: 'took longer than its budget of 300 ms' });
    expect(loopStoppedAfterMs).toBeGreaterThanOrEqual(290);
    expect(loopStoppedAfterMs).toBeLessThan(1500);
  });

  it('the event loop stays free while a strategy loops: a timer set meanwhile fires on time', async () => {
    const looper = await start('loops-forever.ts', 400);
    await looper.event(bars[0]!, bars[0]!.endMs, account);
    const lateness: number[] = [];
    const ticking = setInterval(() => lateness.push(performance.now()), 20);
    await looper.event(bars[1]!, bars[1]!.endMs, account);
    clearInterval(ticking);
    expect(lateness.length).toBeGreaterThanOrEqual(10);
  });

  it('a module slower to load than its budget is a load_timeout (the host was busy: worth a retry), not a failed load', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'closecross-slow-'));
    try {
      const module = path.join(folder, 'slow-to-load.ts');
      writeFileSync(module, 'await new Promise((resolve) => setTimeout(resolve, 3_000));\nexport default {};\n');
      const started = StrategyWorkerHost.start({ source: { module }, params: {}, universe: ['AAPL'], interval: '1d', loadBudgetMs: 300 }, bars[0]!.startMs);
      await expect(started).rejects.toMatchObject({ failure: { reason: 'load_timeout', message: 'not loaded within 300 ms', during: 'load' } });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('a bad parameter refuses the start with the field, the value and what is allowed', async () => {
    const failure = StrategyWorkerHost.start(
      { source: { module: `${fixtures}buy-once.ts` }, params: { quantity: 0 }, universe: ['AAPL'], interval: '1d' },
      bars[0]!.startMs,
    );
    await expect(failure).rejects.toThrow(StrategyParameterError);
    await expect(failure).rejects.toMatchObject({
      field: '/quantity',
      value: 0,
      allowed: 'an integer, >= 1, <= 1000',
      message: 'parameter /quantity = 0 is not allowed: an integer, >= 1, <= 1000',
    });
  });

  it('a built-in runs in a worker too, and its state comes back after an event that set it', async () => {
    const host = await StrategyWorkerHost.start(
      { source: { builtin: 'three_candles' }, params: { exit_after_bars: 7 }, universe: ['AAPL'], interval: '1d' },
      bars[0]!.startMs,
    );
    hosts.push(host);
    const outcome = await host.start(bars[0]!.startMs, account);
    expect(outcome.state).toEqual({ lots: [], startEquity: 100_000 });
  });
  it('answers its state only when an event changed it, so a live instance saves it only then', async () => {
    const host = await start('buy-once.ts');
    // onStart leaves {} as it was: nothing to save.
    expect((await host.start(bars[0]!.startMs, account)).state).toBeUndefined();
    expect((await host.event(bars[0]!, bars[0]!.endMs, account)).state).toEqual({ bars: 1 });
    expect((await host.event(bars[1]!, bars[1]!.endMs, account)).state).toEqual({ bars: 2 });
    expect(host.state).toEqual({ bars: 2 });
    // A restored state is not answered again until an event moves it.
    const restored = await StrategyWorkerHost.start(
      { source: { module: `${fixtures}buy-once.ts` }, params: {}, universe: ['AAPL'], interval: '1d', state: { bars: 3 } },
      bars[0]!.startMs,
    );
    hosts.push(restored);
    expect((await restored.start(bars[0]!.startMs, account)).state).toBeUndefined();
    expect(restored.state).toEqual({ bars: 3 });
    expect((await restored.event(bars[2]!, bars[2]!.endMs, account)).state).toEqual({ bars: 4 });
  });
});

describe('a strategy thread beside the simulated exchange (the paper loop)', () => {
  it('sees its own order ids on fills and open orders, and its cancel reaches the exchange order', async () => {
    const clock = new SimulatedClock(bars[0]!.startMs);
    const exchange = new SimulatedExchange({ clock });
    const host = await start('ids-round-trip.ts');
    const accountNow = (): AccountSnapshot => ({ ...account, openOrders: exchange.openOrders() });
    const cancelled: string[] = [];
    for (const bar of bars.slice(0, 4)) {
      clock.advanceTo(bar.endMs);
      const report = exchange.process(bar);
      for (const fill of report.fills) await host.event(fill, clock.nowMs(), accountNow());
      const outcome = await host.event(bar, clock.nowMs(), accountNow());
      for (const command of outcome.commands) {
        if (command.type === 'submit') host.bindOrder(command.localId, exchange.submit(command.order).order.id);
        else cancelled.push(exchange.cancel(command.orderId).order.state);
      }
    }
    const state = host.state as { submitted: string[]; filled: string; openBeforeCancel: string[] };
    expect(state.submitted).toEqual(['L1', 'L2']);
    expect(state.filled).toBe('L1');
    expect(state.openBeforeCancel).toEqual(['L2']);
    expect(cancelled).toEqual(['cancelled']);
    expect(exchange.openOrders()).toEqual([]);
  });
});

describe('STRATEGIES_DIR', () => {
  it('lists each strategy with its name, parameter schema (JSON) and the sha256 of its file; refuses what is not a strategy', async () => {
    const { strategies, refused } = await listStrategies(fixtures);
    const names = strategies.map((strategy) => strategy.name).sort();
    expect(names).toEqual(['buy-once', 'ids-round-trip', 'loops-forever', 'throws-on-third-bar']);
    const buyOnce = strategies.find((strategy) => strategy.name === 'buy-once')!;
    expect(buyOnce.sourceHash).toBe(sourceHash(readFileSync(`${fixtures}buy-once.ts`)));
    expect(buyOnce.sourceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(buyOnce.parameters).toMatchObject({ type: 'object', properties: { quantity: { type: 'integer', minimum: 1, maximum: 1000, default: 5 } } });
    expect(refused).toEqual([
      {
        file: `${fixtures}not-a-strategy.ts`,
        sourceHash: sourceHash(readFileSync(`${fixtures}not-a-strategy.ts`)),
        error: expect.stringContaining('does not default-export a strategy'),
      },
    ]);
  });
});

// In vitest's process this passes even when a strategy wrongly loads as CommonJS: vitest's launcher sets
// NODE_PATH to node_modules/.pnpm/node_modules, where `require('@closecross/engine')` finds the workspace
// link. What `pnpm start` sees (no NODE_PATH) is tested in child processes by
// strategy-isolation-outside-repo.test.ts.
describe('a STRATEGIES_DIR outside the repository', () => {
  it('loads the five-minute example from a folder where no node_modules holds @closecross/engine, as docs/strategies.md teaches', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'closecross-strategies-'));
    try {
      copyFileSync(fileURLToPath(new URL('../examples/sma-cross.ts', import.meta.url)), path.join(folder, 'sma-cross.ts'));
      const { strategies, refused } = await listStrategies(folder);
      expect(refused).toEqual([]);
      expect(strategies.map((strategy) => strategy.name)).toEqual(['sma-cross']);
      expect(strategies[0]!.parameters).toMatchObject({ properties: { fast: { default: 10 }, slow: { default: 30 } } });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
