/**
 * A STRATEGIES_DIR outside the repository, as `pnpm start` meets it: the five-minute strategy of
 * docs/strategies.md, copied from the guide into a folder of /tmp with no package.json and no
 * node_modules, listed, run live by the strategy host and backtested by a child process started the
 * way `pnpm start` runs the service (`node --import tsx`), and by plain `node` (Node 24 strips the
 * engine's types itself).
 *
 * The child gets vitest's environment without NODE_PATH: vitest's launcher (node_modules/.bin/vitest)
 * sets NODE_PATH to node_modules/.pnpm/node_modules, where pnpm links every workspace package, so
 * a strategy that wrongly loads as CommonJS still finds `@closecross/engine` by `require` there.
 * That is why the same check inside vitest passed while `pnpm start` (plain `node --import tsx`, no
 * NODE_PATH) refused the guide's strategy.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripTypeScriptTypes } from 'node:module';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from './support/shared-bars.ts';

const run = promisify(execFile);
/** What `pnpm start` runs with: this environment less the NODE_PATH vitest's launcher added. */
const { NODE_PATH: _vitestNodePath, ...startEnv } = process.env;
const engineRoot = fileURLToPath(new URL('..', import.meta.url));
const hostUrl = new URL('../src/host.ts', import.meta.url).href;
const indexUrl = new URL('../src/index.ts', import.meta.url).href;
const aaplCsv = fileURLToPath(new URL('daily/AAPL.csv', sharedData));

/** The first TypeScript block under "A complete strategy in five minutes": what a user copies. */
function guideStrategy(): string {
  const guide = readFileSync(new URL('../../../docs/strategies.md', import.meta.url), 'utf8');
  const section = guide.slice(guide.indexOf('## A complete strategy in five minutes'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('docs/strategies.md has no TypeScript block under "A complete strategy in five minutes"');
  return block[1]!;
}

// What the child does: list the folder, run the module in the strategy host on 60 AAPL sessions
// (fast 2 / slow 3, so it trades), backtest it on AAPL's whole file in a backtest thread.
const probe = `
const [hostUrl, indexUrl, folder, csv, file] = process.argv.slice(2);
const { readFileSync } = await import('node:fs');
const { listStrategies, StrategyWorkerHost, runBacktestInWorker } = await import(hostUrl);
const { parseDailyCsv } = await import(indexUrl);
const listing = await listStrategies(folder);
const out = { listed: listing.strategies.map((s) => s.name), refused: listing.refused.map((r) => r.error) };
const module = folder + '/' + file;
const bars = parseDailyCsv('AAPL', readFileSync(csv, 'utf8')).slice(0, 60);
const account = { cash: 100000, equity: 100000, positions: [], openOrders: [] };
try {
  const host = await StrategyWorkerHost.start({ source: { module }, params: { fast: 2, slow: 3, quantity: 5 }, universe: ['AAPL'], interval: '1d' }, bars[0].startMs);
  await host.start(bars[0].startMs, account);
  const submitted = [];
  for (const bar of bars) for (const command of (await host.event(bar, bar.endMs, account)).commands) if (command.type === 'submit') submitted.push(command.order);
  out.live = { running: host.running, failure: host.failure ? host.failure.message : null, submitted };
  await host.terminate();
} catch (error) { out.live = { error: String(error && error.message || error) }; }
try {
  const report = await runBacktestInWorker({ strategy: { module }, params: { fast: 5, slow: 20 }, universe: ['AAPL'], interval: '1d', startingCash: 100000, data: [{ kind: 'daily_csv', symbol: 'AAPL', file: csv }] });
  out.backtest = { trades: report.summary.trades, fees: report.summary.fees };
} catch (error) { out.backtest = { error: String(error && error.message || error) }; }
console.log(JSON.stringify(out));
`;

let strategies: string;
let javascript: string;
let scripts: string;
beforeAll(() => {
  strategies = mkdtempSync(path.join(tmpdir(), 'closecross-user-strategies-'));
  javascript = mkdtempSync(path.join(tmpdir(), 'closecross-user-strategies-js-'));
  scripts = mkdtempSync(path.join(tmpdir(), 'closecross-probe-'));
  writeFileSync(path.join(strategies, 'sma-cross.ts'), guideStrategy());
  // The same strategy as JavaScript (STRATEGIES_DIR lists .js modules too): the guide's code, types stripped by Node.
  writeFileSync(path.join(javascript, 'sma-cross.js'), stripTypeScriptTypes(guideStrategy()));
  writeFileSync(path.join(scripts, 'probe.mjs'), probe);
});
afterAll(() => {
  for (const folder of [strategies, javascript, scripts]) rmSync(folder, { recursive: true, force: true });
});

async function probeWith(nodeArgs: string[], folder = strategies, file = 'sma-cross.ts') {
  const { stdout } = await run(process.execPath, [...nodeArgs, path.join(scripts, 'probe.mjs'), hostUrl, indexUrl, folder, aaplCsv, file], {
    cwd: engineRoot,
    env: startEnv,
    timeout: 150_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    listed: string[];
    refused: string[];
    live: { running?: boolean; failure?: string | null; submitted?: Array<{ type: string; side: string; quantity: number }>; error?: string };
    backtest: { trades?: number; fees?: number; error?: string };
  };
}

describe("the guide's strategy in a STRATEGIES_DIR of /tmp with no package.json, in a child process", () => {
  it('the folder is what a new user has: the one file, no package.json, no node_modules above it', () => {
    expect(readdirSync(strategies)).toEqual(['sma-cross.ts']);
    expect(guideStrategy()).toContain("from '@closecross/engine'");
  });

  for (const [how, nodeArgs] of [
    ['node --import tsx (how pnpm start runs)', ['--import', 'tsx']],
    ['plain node', []],
  ] as const) {
    it(`${how}: listed, run live by the strategy host, backtested`, async () => {
      const out = await probeWith([...nodeArgs]);
      expect(out.refused).toEqual([]);
      expect(out.listed).toEqual(['sma-cross']);
      expect(out.live.error).toBeUndefined();
      expect(out.live.failure).toBeNull();
      expect(out.live.running).toBe(true);
      expect(out.live.submitted![0]).toEqual({ type: 'market', symbol: 'AAPL', side: 'buy', quantity: 5 });
      expect(out.backtest.error).toBeUndefined();
      expect(out.backtest.trades).toBeGreaterThan(0);
      expect(out.backtest.fees).toBeGreaterThan(0);
    }, 180_000);
  }

  it('node --import tsx: the same strategy as a JavaScript file (.js, ES module syntax) is listed, run live and backtested too', async () => {
    expect(readdirSync(javascript)).toEqual(['sma-cross.js']);
    const out = await probeWith(['--import', 'tsx'], javascript, 'sma-cross.js');
    expect(out.refused).toEqual([]);
    expect(out.listed).toEqual(['sma-cross']);
    expect(out.live.error).toBeUndefined();
    expect(out.live.submitted![0]).toEqual({ type: 'market', symbol: 'AAPL', side: 'buy', quantity: 5 });
    expect(out.backtest.error).toBeUndefined();
    expect(out.backtest.trades).toBeGreaterThan(0);
  }, 180_000);
});
