/**
 * The research page's logic (optimisations, walk-forwards, lookahead checks): the search space read
 * from the form of a strategy code's parameters, the trials' sort, the progress events, the heat
 * map's colours and a trial's backtest request. Pure: unit-tested in test/research-logic.test.ts.
 * The shapes are the API's, generated from the OpenAPI document (@closecross/client); a run's
 * `request` is echoed untyped, and `runRequest` reads it as the body it was.
 */
import type { RequestBodyOf, ResponseOf } from '@closecross/client';
import { optionalNumber, type FieldErrors } from './field-errors.ts';
import type { ParameterField } from './strategy-code.ts';

type OptimizationBody = RequestBodyOf<'/trading/optimizations'>;
export type SearchMethod = OptimizationBody['method'];
export type Objective = OptimizationBody['objective'];
export const objectiveLabels: Record<Objective, string> = {
  sharpe: 'Sharpe',
  sortino: 'Sortino',
  net_profit: 'net profit',
  calmar: 'Calmar',
  profit_with_max_drawdown: 'profit within a max drawdown',
};

export type ParameterRange = OptimizationBody['space'][string];

export type OptimizationView = ResponseOf<'/trading/optimizations/{id}'>;
export type WalkForwardView = ResponseOf<'/trading/walk-forwards/{id}'>;
export type LookaheadView = ResponseOf<'/trading/lookahead-checks/{id}'>;
/** A run as the lists show it (an optimisation's; walk-forwards and lookahead checks answer the same fields). */
export type RunStatus = ResponseOf<'/trading/optimizations'>['optimizations'][number];
export type Trial = ResponseOf<'/trading/optimizations/{id}/trials'>['trials'][number];
export type TrialFigures = NonNullable<Trial['figures']>;
export type WalkForwardWindow = WalkForwardView['windows'][number];
export type LookaheadDecision = NonNullable<LookaheadView['result']>['flagged'][number]['full'][number];

/** What a run was asked (the request the API echoes): enough to rerun one of its trials as a backtest. */
export type RunRequest = Partial<OptimizationBody & RequestBodyOf<'/trading/walk-forwards'> & RequestBodyOf<'/trading/lookahead-checks'>>;
/** A run's echoed `request` (untyped in its answer) as the body it was posted with. */
export const runRequest = (echoed: unknown): RunRequest => (echoed !== null && typeof echoed === 'object' ? echoed : {}) as RunRequest;

/**
 * A run's line in the recent runs and its heading: the strategy, its universe when the request
 * names one (a stored strategy's `strategy_id` run on its own universe names none), the period.
 */
export const runStrategyLabel = (echoed: unknown): string => {
  if (!echoed) return '—';
  const request = runRequest(echoed);
  const name = request.strategy ? String(request.strategy.code ?? request.strategy.name ?? 'strategy') : `strategy ${request.strategy_id ?? '?'}`;
  const universe = request.universe ?? request.strategy?.universe ?? [];
  const on = universe.length > 0 ? ` on ${universe.join(', ')}` : '';
  return `${name}${on}${request.start || request.end ? `, ${request.start ?? '…'} to ${request.end ?? '…'}` : ''}`;
};

/** One `progress` event of /trading/optimizations/{id}/events (or a walk-forward's). */
export interface ResearchProgress {
  status: RunStatus['status'];
  stage: string;
  progress: number;
  done?: number;
  failed?: number;
  budget?: number;
  best_objective?: number | null;
  best_parameters?: Record<string, unknown> | null;
  trials_done?: number;
  out_of_sample_done?: number;
}

const runStatuses = new Set(['queued', 'running', 'succeeded', 'failed', 'cancelled']);

/** A progress event's data; a malformed one is an error, never a silent stall. */
export function parseResearchProgress(data: string): ResearchProgress {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw new Error(`research progress is not JSON: ${data.slice(0, 80)}`);
  }
  const record = value as Record<string, unknown>;
  if (typeof record.status !== 'string' || !runStatuses.has(record.status)) throw new Error(`research progress lacks a known status: ${data.slice(0, 80)}`);
  return record as unknown as ResearchProgress;
}

export const runFinished = (status: string | undefined): boolean => status === 'succeeded' || status === 'failed' || status === 'cancelled';

/** The form's names for one parameter's inputs. */
export const searchInput = (name: string, part: 'search' | 'min' | 'max' | 'step' | 'values' | 'fixed') => `space.${name}.${part}`;

const choiceValue = (field: ParameterField, raw: string): number | string | boolean | undefined => {
  if (field.kind === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : undefined;
  if (field.kind === 'integer' || field.kind === 'number') {
    const { value, bad } = optionalNumber(raw);
    return bad || value === null ? undefined : value;
  }
  return raw;
};

/**
 * The search space and fixed parameters from the form's rows (one per parameter of the code's
 * schema): a searched number is a range (min, max, and step for a grid), a searched choice or
 * switch a list of values; a value typed in a row not searched is fixed. The schema's bounds are
 * checked here; the API checks the rest and names the field as `body/space/<name>/...`.
 */
export function searchSpaceFromForm(
  form: FormData,
  fields: readonly ParameterField[],
  method: SearchMethod,
): { space: Record<string, ParameterRange>; parameters: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const space: Record<string, ParameterRange> = {};
  const parameters: Record<string, unknown> = {};
  const text = (name: string) => String(form.get(name) ?? '').trim();
  for (const field of fields) {
    const searched = form.get(searchInput(field.name, 'search')) === 'on';
    if (!searched) {
      const raw = text(searchInput(field.name, 'fixed'));
      if (raw === '') continue;
      const value = choiceValue(field, raw);
      if (value === undefined)
        errors[searchInput(field.name, 'fixed')] = `${field.name}: "${raw}" is not a ${field.kind === 'boolean' ? 'true or false' : 'number'}.`;
      else parameters[field.name] = value;
      continue;
    }
    if (field.kind === 'integer' || field.kind === 'number') {
      const bound = (part: 'min' | 'max' | 'step') => {
        const raw = text(searchInput(field.name, part));
        const { value, bad } = optionalNumber(raw);
        if (raw === '' && part === 'step' && method !== 'grid') return undefined;
        if (bad || value === null) {
          errors[searchInput(field.name, part)] = `${field.name} ${part}: ${raw === '' ? 'required' : `"${raw}" is not a number`}.`;
          return undefined;
        }
        if (field.kind === 'integer' && !Number.isInteger(value)) errors[searchInput(field.name, part)] = `${field.name} ${part} must be a whole number.`;
        else if (part !== 'step' && field.minimum !== undefined && value < field.minimum)
          errors[searchInput(field.name, part)] = `${field.name} ${part} must be at least ${field.minimum}.`;
        else if (part !== 'step' && field.maximum !== undefined && value > field.maximum)
          errors[searchInput(field.name, part)] = `${field.name} ${part} must be at most ${field.maximum}.`;
        else if (part === 'step' && value <= 0) errors[searchInput(field.name, part)] = `${field.name} step must be above 0.`;
        return value;
      };
      const min = bound('min');
      const max = bound('max');
      const step = bound('step');
      if (min !== undefined && max !== undefined && min > max) errors[searchInput(field.name, 'max')] = `${field.name} max (${max}) is below min (${min}).`;
      if (min !== undefined && max !== undefined) space[field.name] = step !== undefined ? { min, max, step } : { min, max };
      continue;
    }
    const listed = text(searchInput(field.name, 'values'))
      .split(/[\s,]+/)
      .filter(Boolean);
    const values = listed.map((raw) => choiceValue(field, raw));
    const bad = listed.find((raw, index) => values[index] === undefined || (field.choices !== undefined && !field.choices.includes(raw)));
    if (listed.length === 0) errors[searchInput(field.name, 'values')] = `${field.name}: list at least one value to search.`;
    else if (bad !== undefined)
      errors[searchInput(field.name, 'values')] =
        `${field.name}: "${bad}" is not one of ${field.kind === 'boolean' ? 'true, false' : (field.choices ?? []).join(', ')}.`;
    else space[field.name] = { values: values as (number | string | boolean)[] };
  }
  if (Object.keys(errors).length === 0 && Object.keys(space).length === 0) errors.space = 'Search at least one parameter: tick its "search" box.';
  return { space, parameters, errors };
}

export type TrialSortKey = 'rank' | 'objective' | 'sharpe' | 'net_profit' | 'max_drawdown_pct' | 'trades' | `parameter:${string}`;
export interface TrialSort {
  key: TrialSortKey;
  descending: boolean;
}

const sortValue = (trial: Trial, key: TrialSortKey): number | string | null => {
  if (key === 'rank') return trial.rank;
  if (key === 'objective') return trial.objective;
  if (key.startsWith('parameter:')) {
    const value = trial.parameters[key.slice('parameter:'.length)];
    return typeof value === 'number' || typeof value === 'string' ? value : value === undefined || value === null ? null : String(value);
  }
  return trial.figures?.[key as 'sharpe' | 'net_profit' | 'max_drawdown_pct' | 'trades'] ?? null;
};

/** The trials ordered by a column, either way; a trial without the value (failed, no Sharpe) always last. */
export function sortTrials(trials: readonly Trial[], sort: TrialSort): Trial[] {
  return [...trials].sort((a, b) => {
    const left = sortValue(a, sort.key);
    const right = sortValue(b, sort.key);
    if (left === null || right === null) return left === right ? a.trial - b.trial : left === null ? 1 : -1;
    const order = typeof left === 'number' && typeof right === 'number' ? left - right : String(left).localeCompare(String(right));
    return (sort.descending ? -order : order) || a.trial - b.trial;
  });
}

/** A click on a column: the same column turns the order round; a new one starts in its natural order (rank up, figures down, drawdown up). */
export function nextSort(current: TrialSort, key: TrialSortKey): TrialSort {
  if (current.key === key) return { key, descending: !current.descending };
  return { key, descending: !(key === 'rank' || key === 'max_drawdown_pct' || key.startsWith('parameter:')) };
}

/**
 * A heat map cell's background: from light red (the worst objective) through white to light green
 * (the best), so dark text stays readable on every cell; no trial: grey.
 */
export function heatColor(value: number | null, lowest: number, highest: number): string {
  if (value === null || !Number.isFinite(value)) return '#eaeef2';
  const share = highest > lowest ? (value - lowest) / (highest - lowest) : 1;
  const mix = (from: number, to: number, amount: number) => Math.round(from + (to - from) * amount);
  // #f4b6b0 (worst) -> #ffffff (middle) -> #9fd9ae (best)
  const [r, g, b] =
    share < 0.5
      ? [mix(0xf4, 0xff, share * 2), mix(0xb6, 0xff, share * 2), mix(0xb0, 0xff, share * 2)]
      : [mix(0xff, 0x9f, (share - 0.5) * 2), mix(0xff, 0xd9, (share - 0.5) * 2), mix(0xff, 0xae, (share - 0.5) * 2)];
  return `rgb(${r}, ${g}, ${b})`;
}

/** The lowest and highest objective of a heat map's cells (null when it has none). */
export function heatRange(rows: readonly (readonly (number | null)[])[]): { lowest: number; highest: number } | null {
  const values = rows.flat().filter((value): value is number => value !== null && Number.isFinite(value));
  return values.length === 0 ? null : { lowest: Math.min(...values), highest: Math.max(...values) };
}

/** A parameter value as a cell or a label shows it. */
export const parameterText = (value: unknown): string =>
  typeof value === 'number'
    ? Number.isInteger(value)
      ? String(value)
      : value.toFixed(4).replace(/0+$/, '').replace(/\.$/, '')
    : typeof value === 'string'
      ? value
      : JSON.stringify(value);

/** A trial's parameters in one line ("fast 10, slow 30"). */
export const parametersLine = (parameters: Record<string, unknown> | null | undefined): string =>
  parameters
    ? Object.entries(parameters)
        .map(([name, value]) => `${name} ${parameterText(value)}`)
        .join(', ')
    : '—';

/**
 * The POST /trading/backtests body that replays one trial: the run's strategy with its fixed
 * parameters and the trial's searched ones, on the run's universe, over the trial's period, with the
 * run's costs. A run of a stored strategy (strategy_id) is answered with why it cannot be built here.
 */
export function trialBacktestBody(
  request: RunRequest,
  trial: Pick<Trial, 'parameters' | 'start' | 'end'>,
): { body?: RequestBodyOf<'/trading/backtests'>; problem?: string } {
  if (!request.strategy) return { problem: 'this run names a stored strategy (strategy_id): backtest it from the Strategies page with these parameters' };
  const strategy = {
    ...request.strategy,
    ...(request.universe ? { universe: request.universe } : {}),
    parameters: { ...(request.strategy.parameters ?? {}), ...(request.parameters ?? {}), ...trial.parameters },
  };
  return {
    body: {
      strategy,
      start: trial.start,
      end: trial.end,
      ...(request.costs ? { costs: request.costs } : {}),
      ...(request.decision ? { decision: request.decision } : {}),
      ...(request.starting_cash ? { starting_cash: request.starting_cash } : {}),
    },
  };
}

/** The numeric values of a sensitivity row (a choice or a switch has none: shown as a table). */
export function numericSensitivity(byValue: readonly { value: unknown; mean: number; best: number }[]): [number[], number[], number[]] | null {
  if (byValue.length === 0 || !byValue.every((point) => typeof point.value === 'number')) return null;
  const sorted = [...byValue].sort((a, b) => (a.value as number) - (b.value as number));
  return [sorted.map((point) => point.value as number), sorted.map((point) => point.mean), sorted.map((point) => point.best)];
}
