/** A thread that runs one backtest: loads the strategy and the bars, runs, posts the report back. */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { parseDailyCsv, parseIntradayCsv } from '../backtest/csv-bars.ts';
import { runBacktest } from '../backtest/run-backtest.ts';
import type { BarSource } from '../backtest/bar-merge.ts';
import { builtinStrategies } from '../strategies/index.ts';
import { StrategyParameterError } from '../strategy/parameters.ts';
import { isStrategyDefinition, type AnyStrategyDefinition } from '../strategy/define.ts';
import type { BacktestJob } from './backtest-worker.ts';

async function load(job: BacktestJob): Promise<AnyStrategyDefinition> {
  if ('builtin' in job.strategy) {
    const definition = builtinStrategies.get(job.strategy.builtin);
    if (!definition) throw new Error(`no built-in strategy ${job.strategy.builtin} (known: ${[...builtinStrategies.keys()].join(', ')})`);
    return definition;
  }
  const loaded = (await import(pathToFileURL(job.strategy.module).href)) as { default?: unknown };
  if (!isStrategyDefinition(loaded.default)) throw new Error(`${job.strategy.module} does not default-export a strategy`);
  return loaded.default;
}

async function sourceOf(data: BacktestJob['data'][number]): Promise<BarSource> {
  switch (data.kind) {
    case 'bars':
      return data.bars;
    case 'daily_csv':
      return parseDailyCsv(data.symbol, await readFile(data.file, 'utf8'));
    case 'intraday_csv':
      return parseIntradayCsv(data.symbol, await readFile(data.file, 'utf8'), data.interval ?? '1m');
  }
}

const job = workerData as BacktestJob;
try {
  const definition = await load(job);
  const sources = await Promise.all(job.data.map(sourceOf));
  const report = await runBacktest({
    definition,
    params: job.params,
    universe: job.universe,
    interval: job.interval,
    sources,
    startingCash: job.startingCash,
    ...(job.account ? { account: job.account } : {}),
    ...(job.costs ? { costsFor: () => job.costs! } : {}),
    ...(job.dailyDecision ? { dailyDecision: job.dailyDecision } : {}),
    ...(job.equityPoints ? { equityPoints: job.equityPoints } : {}),
    ...(job.state ? { state: job.state } : {}),
  });
  parentPort!.postMessage({ report });
} catch (error) {
  const parameter = error instanceof StrategyParameterError ? { field: error.field, value: error.value, allowed: error.allowed } : undefined;
  parentPort!.postMessage({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), ...(parameter ? { parameter } : {}) });
}
