/**
 * The lookahead check (as freqtrade's lookahead-analysis): a strategy's backtest records every
 * decision (each order sent, with its instant); then, for each of up to `max_signals` instants
 * with decisions, the strategy runs again on the data cut at that instant, in a fresh thread that
 * holds only the cut data. A decision that differs means the full run used data from after its
 * instant: the strategy is flagged.
 */
import { calendarForSymbol } from '@closecross/engine';
import type { JobContext } from '@closecross/jobs';
import { JobInputError } from '@closecross/jobs';
import { InvalidInputError, NotFoundError } from '@closecross/platform';
import type { BarColumns } from '../backtests/backtest-protocol.ts';
import type { LookaheadRequest } from '../schemas/research.ts';
import { loadSeries, resolveRun, sessionsOf, type ResearchDeps } from './research-jobs.ts';
import type { RecordedDecision, ResearchThreadData, TrialAnswer } from './research-protocol.ts';
import { runOnThread, startResearchThread } from './research-threads.ts';

type Decision = Omit<RecordedDecision, 'ms'>;

const decisionKey = (decision: Decision) => JSON.stringify([decision.symbol, decision.side, decision.type, decision.quantity, decision.price]);
const sortedDecisions = (decisions: readonly RecordedDecision[]): Decision[] =>
  decisions
    .map(({ symbol, side, type, quantity, price }) => ({ symbol, side, type, quantity, price }))
    .sort((a, b) => decisionKey(a).localeCompare(decisionKey(b)));

/** The series with only the bars of days up to `day` (what the market had shown by then). */
function cutAt(series: readonly BarColumns[], day: string): BarColumns[] {
  return series.map((columns) => {
    let end = columns.days!.length;
    while (end > 0 && columns.days![end - 1]! > day) end--;
    return {
      symbol: columns.symbol,
      days: columns.days!.slice(0, end),
      open: columns.open.slice(0, end),
      high: columns.high.slice(0, end),
      low: columns.low.slice(0, end),
      close: columns.close.slice(0, end),
      volume: columns.volume.slice(0, end),
    };
  });
}

/** Runs once on a thread of its own holding `data`, then ends the thread. */
async function runAlone(
  data: ResearchThreadData,
  startDay: string,
  endDay: string,
  params: Record<string, unknown>,
  signal: AbortSignal,
): Promise<TrialAnswer> {
  const thread = startResearchThread('lookahead', data);
  try {
    return await runOnThread(thread, { params, startDay, endDay, recordDecisions: true }, signal);
  } finally {
    void thread.worker.terminate();
  }
}

export async function runLookaheadJob(deps: ResearchDeps, context: JobContext<LookaheadRequest>) {
  let run;
  try {
    run = await resolveRun(deps, context.params);
  } catch (error) {
    if (error instanceof InvalidInputError || error instanceof NotFoundError) throw new JobInputError(error.message);
    throw error;
  }
  const start = context.params.start ?? null;
  const end = context.params.end ?? null;
  const sessions = await sessionsOf(deps.pool, run.universe, start, end);
  const series = await loadSeries(deps.prices, run.universe, start, end);
  const firstDay = sessions[0]!;
  const lastDay = sessions.at(-1)!;
  const params = run.baseParams;
  context.report('full run', 0.05);
  const full = await runAlone({ ...run.thread, series }, firstDay, lastDay, params, context.signal);
  if (full.type === 'failed') throw new JobInputError(`the strategy failed on the full period: ${full.error}`);
  const byInstant = new Map<number, RecordedDecision[]>();
  for (const decision of full.decisions ?? []) byInstant.set(decision.ms, [...(byInstant.get(decision.ms) ?? []), decision]);
  const instants = [...byInstant.keys()].sort((a, b) => a - b);
  const wanted = Math.min(instants.length, context.params.max_signals ?? 30);
  // Spread over the run: the first, the last and evenly between.
  const chosen = [
    ...new Set(Array.from({ length: wanted }, (_, index) => instants[wanted === 1 ? 0 : Math.round((index * (instants.length - 1)) / (wanted - 1))]!)),
  ];
  const calendar = calendarForSymbol(run.universe[0] ?? '');
  const flagged: { at: string; day: string; full: Decision[]; cut: Decision[]; error: string | null }[] = [];
  let checked = 0;
  const queue = [...chosen];
  const worker = async () => {
    for (let instant = queue.shift(); instant !== undefined; instant = queue.shift()) {
      const day = calendar.dayOf(instant);
      const cut = await runAlone({ ...run.thread, series: cutAt(series, day) }, firstDay, day, params, context.signal);
      const fullDecisions = sortedDecisions(byInstant.get(instant)!);
      const cutDecisions = cut.type === 'done' ? sortedDecisions((cut.decisions ?? []).filter((decision) => decision.ms === instant)) : [];
      if (cut.type === 'failed' || JSON.stringify(fullDecisions) !== JSON.stringify(cutDecisions)) {
        flagged.push({ at: new Date(instant).toISOString(), day, full: fullDecisions, cut: cutDecisions, error: cut.type === 'failed' ? cut.error : null });
      }
      checked++;
      context.report(`cut runs ${checked}/${chosen.length}; flagged ${flagged.length}`, 0.1 + (0.9 * checked) / Math.max(1, chosen.length));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.threads.size) }, worker));
  flagged.sort((a, b) => a.at.localeCompare(b.at));
  const biased = flagged.length > 0;
  return {
    result: {
      biased,
      signals: instants.length,
      checked,
      flagged,
      verdict: biased
        ? `lookahead bias: ${flagged.length} of ${checked} decisions changed when the data was cut at their time (first ${flagged[0]!.day}): the strategy used data it could not have had`
        : instants.length === 0
          ? 'no decisions to check: the strategy sent no order in the period'
          : `no lookahead found: ${checked} of ${instants.length} decision instants made the same decisions on data cut at their time`,
    },
    metrics: { checked, flagged: flagged.length },
  };
}
