/**
 * One backtest in a worker thread: builds the bars from the columns the job read, runs the
 * engine's runner (the strategy's own code, the simulated exchange, the portfolio), and answers
 * the summary and the report already serialised and gzip-compressed, so the API's thread never
 * holds a large report.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import {
  builtinStrategies,
  calendarForSymbol,
  dailyBar,
  instrumentForSymbol,
  isStrategyDefinition,
  reportToJson,
  runBacktest,
  StrategyParameterError,
  type Bar,
  type StrategyDefinition,
} from '@closecross/engine';
import type { BacktestThreadInput, BacktestThreadMessage, BarColumns } from './backtest-protocol.ts';

const input = workerData as BacktestThreadInput;
const post = (message: BacktestThreadMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(message, transfer);

async function load(): Promise<StrategyDefinition> {
  if ('builtin' in input.source) {
    const definition = builtinStrategies.get(input.source.builtin);
    if (!definition) throw new Error(`no built-in strategy ${input.source.builtin}`);
    return definition;
  }
  const loaded = (await import(pathToFileURL(input.source.module).href)) as { default?: unknown };
  if (!isStrategyDefinition(loaded.default)) throw new Error(`${input.source.module} does not default-export a strategy (defineStrategy)`);
  return loaded.default;
}

let delivered = 0;
let skipped = 0;
const totalBars = input.series.reduce((sum, series) => sum + series.open.length, 0);

/** One symbol's bars in time order; a daily row on a day its calendar was shut is left out (counted). */
function* barsOf(series: BarColumns): Generator<Bar> {
  const calendar = calendarForSymbol(series.symbol);
  for (let index = 0; index < series.open.length; index++) {
    const prices = {
      open: series.open[index]!,
      high: series.high[index]!,
      low: series.low[index]!,
      close: series.close[index]!,
      volume: series.volume[index]!,
    };
    let bar: Bar;
    if (series.days) {
      if (!calendar.session(series.days[index]!)) {
        skipped++;
        continue;
      }
      bar = dailyBar(series.symbol, series.days[index]!, prices, calendar);
    } else {
      const startMs = series.startMs![index]!;
      bar = { kind: 'bar', symbol: series.symbol, interval: input.interval, startMs, endMs: startMs + input.intervalMs, ...prices };
    }
    if (++delivered % 50_000 === 0) post({ type: 'progress', done: delivered, total: totalBars });
    yield bar;
  }
}

try {
  const definition = await load();
  const report = await runBacktest({
    definition,
    params: input.params,
    universe: input.universe,
    interval: input.interval,
    sources: input.series.map(barsOf),
    startingCash: input.startingCash,
    ...(input.costs ? { costsFor: () => input.costs! } : {}),
    instrumentFor: (symbol) => ({ ...instrumentForSymbol(symbol), ...(input.pricePrecision !== undefined ? { pricePrecision: input.pricePrecision } : {}) }),
    dailyDecision: input.decision,
  });
  const json = reportToJson(report);
  const compressed = await promisify(gzip)(json);
  const bytes = compressed.buffer.slice(compressed.byteOffset, compressed.byteOffset + compressed.byteLength) as ArrayBuffer;
  post(
    {
      type: 'done',
      strategy: report.strategy,
      summary: report.summary,
      params: report.params,
      skippedBars: skipped,
      reportBytes: Buffer.byteLength(json),
      reportGzip: bytes,
    },
    [bytes],
  );
} catch (error) {
  const field = error instanceof StrategyParameterError ? error.field : undefined;
  post({ type: 'failed', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), ...(field !== undefined ? { field } : {}) });
}
