/**
 * A user's strategy in a STRATEGIES_DIR of /tmp, as `pnpm start` meets it: the five-minute strategy of
 * docs/strategies.md copied from the guide into a folder with no package.json and no node_modules,
 * then, in a child process started the way `pnpm start` runs the service (`node --import tsx`; and
 * plain `node`), the trading service's own paths: the catalogue lists it (GET
 * /trading/strategy-code), an instance's parameters are checked by starting it in the strategy
 * host (a bad one is a 400 naming the field), a backtest job's thread backtests it, and a research
 * thread runs an optimisation trial on it.
 *
 * The child gets this environment less NODE_PATH: vitest's launcher sets NODE_PATH to
 * node_modules/.pnpm/node_modules, where pnpm links every workspace package, which let a thread
 * without the engine's resolve hook find `@closecross/engine` here and nowhere else.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const { NODE_PATH: _vitestNodePath, ...startEnv } = process.env;
const serviceRoot = fileURLToPath(new URL('..', import.meta.url));
const tradingSrc = new URL('../src/', import.meta.url).href;
const engineIndex = import.meta.resolve('@closecross/engine');
const aaplCsv = fileURLToPath(new URL('../../../../shared/data/daily/AAPL.csv', import.meta.url));

/** The first TypeScript block under "A complete strategy in five minutes": what a user copies. */
function guideStrategy(): string {
  const guide = readFileSync(new URL('../../../docs/strategies.md', import.meta.url), 'utf8');
  const section = guide.slice(guide.indexOf('## A complete strategy in five minutes'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('docs/strategies.md has no TypeScript block under "A complete strategy in five minutes"');
  return block[1]!;
}

// The child: the service's catalogue, parameter check, backtest thread and research thread, on
// AAPL's daily bars of ../shared/data. The clock is pinned (a weekday session of the file).
const probe = `
const [tradingSrc, engineIndex, folder, csv] = process.argv.slice(2);
const { readFileSync } = await import('node:fs');
const { Worker } = await import('node:worker_threads');
const { SimulatedClock } = await import(engineIndex);
const { StrategyCatalogue, checkedParameters } = await import(new URL('strategies/strategy-code.ts', tradingSrc).href);
const { startResearchThread, runOnThread } = await import(new URL('research/research-threads.ts', tradingSrc).href);
const rows = readFileSync(csv, 'utf8').trim().split('\\n').slice(1).map((line) => line.split(','));
const column = (index) => Float64Array.from(rows, (row) => Number(row[index]));
const series = [{ symbol: 'AAPL', days: rows.map((row) => row[0]), open: column(1), high: column(2), low: column(3), close: column(4), volume: column(6) }];
const out = {};
const catalogue = new StrategyCatalogue(folder);
const listing = await catalogue.list();
out.listed = listing.strategies.filter((code) => code.origin === 'user').map((code) => ({ name: code.name, file: code.file }));
out.refused = listing.refused.map((refused) => refused.error);
const resolved = await catalogue.resolve('sma-cross');
const clock = new SimulatedClock(Date.parse('2021-06-01T20:00:00Z'));
const instance = { universe: ['AAPL'], interval: '1d' };
try { out.checked = await checkedParameters(resolved, { fast: 5, slow: 20 }, instance, clock); } catch (error) { out.checked = { error: error.message }; }
try { await checkedParameters(resolved, { fast: 30, slow: 20 }, instance, clock); out.badParameter = null; } catch (error) { out.badParameter = { name: error.name, message: error.message }; }
out.backtest = await new Promise((resolve) => {
  const worker = new Worker(new URL('backtests/backtest-thread-entry.mjs', tradingSrc), { workerData: { source: resolved.source, params: { fast: 5, slow: 20 }, universe: ['AAPL'], interval: '1d', intervalMs: 86400000, series, startingCash: 100000, costs: undefined, pricePrecision: undefined, decision: 'after_close' } });
  worker.on('message', (message) => { if (message.type !== 'progress') { void worker.terminate(); resolve(message.type === 'done' ? { strategy: message.strategy, trades: message.summary.trades } : { error: message.error }); } });
  worker.once('error', (error) => resolve({ error: error.message }));
});
const thread = startResearchThread('sma-cross AAPL', { source: resolved.source, universe: ['AAPL'], series, startingCash: 100000, costs: undefined, decision: 'after_close' });
try {
  const answer = await runOnThread(thread, { params: { fast: 5, slow: 20 }, startDay: series[0].days[0], endDay: series[0].days.at(-1) });
  out.trial = answer.type === 'done' ? { trades: answer.figures.trades, params: answer.params } : { error: answer.error };
} catch (error) { out.trial = { error: error.message }; }
await thread.worker.terminate();
console.log(JSON.stringify(out));
`;

interface ProbeOutput {
  listed: Array<{ name: string; file: string }>;
  refused: string[];
  checked: Record<string, unknown>;
  badParameter: { name: string; message: string } | null;
  backtest: { strategy?: string; trades?: number; error?: string };
  trial: { trades?: number; params?: Record<string, unknown>; error?: string };
}

let strategies: string;
let scripts: string;
beforeAll(() => {
  strategies = mkdtempSync(path.join(tmpdir(), 'closecross-user-strategies-'));
  scripts = mkdtempSync(path.join(tmpdir(), 'closecross-trading-probe-'));
  writeFileSync(path.join(strategies, 'sma-cross.ts'), guideStrategy());
  writeFileSync(path.join(scripts, 'probe.mjs'), probe);
});
afterAll(() => {
  rmSync(strategies, { recursive: true, force: true });
  rmSync(scripts, { recursive: true, force: true });
});

describe("the guide's strategy in a STRATEGIES_DIR of /tmp with no package.json, through the trading service's threads", () => {
  it('the folder is what a new user has: the one file, importing @closecross/engine', () => {
    expect(readdirSync(strategies)).toEqual(['sma-cross.ts']);
    expect(guideStrategy()).toContain("from '@closecross/engine'");
  });

  for (const [how, nodeArgs] of [
    ['node --import tsx (how pnpm start runs)', ['--import', 'tsx']],
    ['plain node', []],
  ] as const) {
    it(`${how}: listed, its parameters checked in the strategy host, backtested by a backtest job's thread, an optimisation trial on a research thread`, async () => {
      const { stdout } = await run(process.execPath, [...nodeArgs, path.join(scripts, 'probe.mjs'), tradingSrc, engineIndex, strategies, aaplCsv], {
        cwd: serviceRoot,
        env: startEnv,
        timeout: 150_000,
      });
      const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as ProbeOutput;
      expect(out.refused).toEqual([]);
      expect(out.listed).toEqual([{ name: 'sma-cross', file: 'sma-cross.ts' }]);
      expect(out.checked).toEqual({ fast: 5, slow: 20 });
      expect(out.badParameter).toEqual({ name: 'InvalidInputError', message: 'body/parameters/fast: 30 is not allowed: shorter than slow (20)' });
      expect(out.backtest.error).toBeUndefined();
      expect(out.backtest.strategy).toBe('sma-cross');
      expect(out.backtest.trades).toBeGreaterThan(0);
      expect(out.trial.error).toBeUndefined();
      expect(out.trial.params).toEqual({ fast: 5, slow: 20, quantity: 100 });
      // The same code on the same bars decides the same in a backtest job and in a research trial.
      expect(out.trial.trades).toBe(out.backtest.trades);
    }, 180_000);
  }
});
