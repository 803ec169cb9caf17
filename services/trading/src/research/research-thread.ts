/**
 * A research thread: loads one strategy's code and one data set once (the bars as engine Bar
 * objects, per symbol), then runs trial after trial on them: the parameter sets of an
 * optimisation, a walk-forward's windows, a lookahead check's cut runs. Only figures (and, when
 * asked, the equity or the decisions) go back; no report is serialised.
 */
import { pathToFileURL } from 'node:url';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import {
  builtinStrategies,
  calendarForSymbol,
  dailyBar,
  instrumentForSymbol,
  isStrategyDefinition,
  runBacktest,
  StrategyParameterError,
  type AnyStrategyDefinition,
  type Bar,
  type OrderRequest,
  type StrategyContext,
} from '@closecross/engine';
import { runBelowTheEventLoop } from '@closecross/platform/background-thread';
import { figuresOf } from './research-figures.ts';
import type { RecordedDecision, ResearchThreadData, TrialAnswer, TrialRequest } from './research-protocol.ts';

const data = workerData as ResearchThreadData;
// Trials yield the CPU to the task's event loop (/health, the API) when the cores are all busy.
runBelowTheEventLoop();

async function load(): Promise<AnyStrategyDefinition> {
  if ('builtin' in data.source) {
    const definition = builtinStrategies.get(data.source.builtin);
    if (!definition) throw new Error(`no built-in strategy ${data.source.builtin}`);
    return definition;
  }
  const loaded = (await import(pathToFileURL(data.source.module).href)) as { default?: unknown };
  if (!isStrategyDefinition(loaded.default)) throw new Error(`${data.source.module} does not default-export a strategy (defineStrategy)`);
  return loaded.default;
}

/** Per symbol: its bars (sessions only) and their days, in order. */
const symbols = data.series.map((series) => {
  const calendar = calendarForSymbol(series.symbol);
  const bars: Bar[] = [];
  const days: string[] = [];
  for (let index = 0; index < series.open.length; index++) {
    const day = series.days![index]!;
    if (!calendar.session(day)) continue;
    bars.push(
      dailyBar(
        series.symbol,
        day,
        { open: series.open[index]!, high: series.high[index]!, low: series.low[index]!, close: series.close[index]!, volume: series.volume[index]! },
        calendar,
      ),
    );
    days.push(day);
  }
  return { symbol: series.symbol, bars, days };
});
const mainCalendar = calendarForSymbol(data.universe[0] ?? '');

/** The first index whose day is >= `day` (days sorted). */
function lowerBound(days: readonly string[], day: string): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (days[mid]! < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The last range's bars per symbol: an optimisation's trials all run on one range, so they share one set of slices (the engine only reads them). */
let lastRange: { startDay: string; endDay: string; sources: Bar[][] } | undefined;
function sourcesOf(startDay: string, endDay: string): Bar[][] {
  if (lastRange?.startDay !== startDay || lastRange.endDay !== endDay)
    lastRange = { startDay, endDay, sources: symbols.map(({ bars, days }) => bars.slice(lowerBound(days, startDay), lowerBound(days, endDay + '~'))) };
  return lastRange.sources;
}

/** The definition with every ctx.submit recorded (instant, order): what the lookahead check compares. */
function recording(definition: AnyStrategyDefinition, decisions: RecordedDecision[]): AnyStrategyDefinition {
  return {
    ...definition,
    create: (params: unknown) => {
      const handlers = definition.create(params) as Record<string, ((ctx: StrategyContext, ...rest: unknown[]) => void) | undefined>;
      let proxied: StrategyContext | undefined;
      const wrap = (ctx: StrategyContext): StrategyContext => {
        proxied ??= new Proxy(ctx, {
          get(target, property, receiver) {
            if (property !== 'submit') return Reflect.get(target, property, receiver) as unknown;
            return (order: OrderRequest) => {
              const priced = order as { limitPrice?: number; stopPrice?: number };
              decisions.push({
                ms: target.now(),
                symbol: order.symbol,
                side: order.side,
                type: order.type,
                quantity: order.quantity,
                price: priced.limitPrice ?? priced.stopPrice ?? null,
              });
              return target.submit(order);
            };
          },
        });
        return proxied;
      };
      return Object.fromEntries(
        Object.entries(handlers).map(([name, handler]) => [
          name,
          typeof handler === 'function' ? (ctx: StrategyContext, ...rest: unknown[]) => handler(wrap(ctx), ...rest) : handler,
        ]),
      );
    },
  } as AnyStrategyDefinition;
}

async function run(definition: AnyStrategyDefinition, request: TrialRequest, idleMs: number | undefined): Promise<TrialAnswer> {
  const cpu = process.threadCpuUsage();
  const started = performance.now();
  const decisions: RecordedDecision[] = [];
  const sources = sourcesOf(request.startDay, request.endDay);
  const report = await runBacktest({
    definition: request.recordDecisions ? recording(definition, decisions) : definition,
    params: request.params,
    universe: data.universe,
    interval: '1d',
    sources,
    startingCash: data.startingCash,
    ...(data.costs ? { costsFor: () => data.costs! } : {}),
    instrumentFor: (symbol) => instrumentForSymbol(symbol),
    dailyDecision: data.decision,
    equityPoints: 'step',
    maxTrades: 1,
  });
  const curve = report.equityCurve;
  let from = 0;
  if (request.measureFrom) while (from < curve.length && mainCalendar.dayOf(curve[from]!.ms) < request.measureFrom) from++;
  // Measured from the last point before the window: the first out-of-sample session's return counts.
  const startIndex = Math.max(0, from - (request.measureFrom ? 1 : 0));
  const equity = curve.slice(startIndex).map((point) => point.equity);
  const firstMs = curve[startIndex]?.ms ?? report.summary.startMs;
  const lastMs = curve.at(-1)?.ms ?? report.summary.endMs;
  const figures = figuresOf(equity, firstMs, lastMs, request.measureFrom ? undefined : report.summary);
  return {
    id: request.id,
    type: 'done',
    figures,
    params: report.params,
    // This thread's CPU for the trial: steadier than wall time on a busy machine.
    cpuMs: (() => {
      const used = process.threadCpuUsage(cpu);
      return (used.user + used.system) / 1000;
    })(),
    ...(idleMs !== undefined ? { idleMs } : {}),
    busyMs: performance.now() - started,
    thread: threadId,
    ...(request.wantEquity ? { equity: { days: curve.slice(startIndex).map((point) => mainCalendar.dayOf(point.ms)), equity } } : {}),
    ...(request.recordDecisions ? { decisions } : {}),
  };
}

const definition = load();
definition.catch(() => undefined);
/** When this thread last answered: the gap to the next request is time it waited on its task. */
let answeredAt: number | undefined;
/** Trials run one after another: a request posted while one runs waits its turn here, not on the task's event loop. */
let running: Promise<void> = Promise.resolve();
parentPort!.on('message', (request: TrialRequest) => {
  const receivedAt = performance.now();
  running = running.then(async () => {
    const idleMs = answeredAt === undefined ? undefined : Math.max(0, receivedAt - answeredAt);
    const answer = await definition
      .then((loaded) => run(loaded, request, idleMs))
      .catch((error: unknown): TrialAnswer => {
        const field = error instanceof StrategyParameterError ? error.field : undefined;
        return {
          id: request.id,
          type: 'failed',
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          ...(field !== undefined ? { field } : {}),
        };
      });
    answeredAt = performance.now();
    parentPort!.postMessage(answer);
  });
});
parentPort!.postMessage({ type: 'ready' });
