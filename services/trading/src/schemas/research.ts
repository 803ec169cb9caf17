/**
 * The research API's shapes (optimisations, walk-forwards, lookahead checks): one TypeBox
 * definition gives validation, the OpenAPI document and the TypeScript types the dashboard reads.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StrategyInput } from '../strategies/strategy-definition.ts';
import { StrategyParameters, StrategyParameterValue } from './strategy-parameters.ts';

const Symbol = Type.String({ pattern: '^[A-Za-z0-9.^_-]{1,15}$' });

export const ParameterRange = Type.Union(
  [
    Type.Object(
      {
        min: Type.Number({ description: "lowest value tried (within the parameter schema's minimum)" }),
        max: Type.Number({ description: "highest value tried (within the parameter schema's maximum)" }),
        step: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'grid spacing (required for grid search; integers for an integer parameter)' })),
        log: Type.Optional(Type.Boolean({ description: 'random and TPE draw on a log scale (min > 0)' })),
      },
      { additionalProperties: false, description: 'a numeric range' },
    ),
    Type.Object(
      { values: Type.Array(Type.Union([Type.Number(), Type.String(), Type.Boolean()]), { minItems: 1, maxItems: 1000 }) },
      { additionalProperties: false, description: 'a list of choices' },
    ),
  ],
  { description: "the values a parameter takes: a numeric range or a list of choices, each checked against the strategy code's parameter schema" },
);
export type ParameterRange = Static<typeof ParameterRange>;

export const SearchMethod = Type.Union([Type.Literal('grid'), Type.Literal('random'), Type.Literal('tpe')], {
  description:
    'grid: every point of the ranges (their steps) and choices; random: uniform draws (seeded); tpe: a Tree-structured Parzen Estimator (random start, then draws where good trials were)',
});
export const Objective = Type.Union(
  [Type.Literal('sharpe'), Type.Literal('sortino'), Type.Literal('net_profit'), Type.Literal('calmar'), Type.Literal('profit_with_max_drawdown')],
  {
    description:
      'what the search maximises: annualised Sharpe or Sortino, net profit, Calmar (CAGR / max drawdown), or net profit among trials whose max drawdown is within max_drawdown_pct',
  },
);
export type Objective = Static<typeof Objective>;

const BacktestCosts = Type.Object(
  {
    fee_per_share: Type.Optional(Type.Number({ minimum: 0 })),
    fee_bps: Type.Optional(Type.Number({ minimum: 0 })),
    fee_minimum: Type.Optional(Type.Number({ minimum: 0 })),
    fee_max_rate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    slippage_bps: Type.Optional(Type.Number({ minimum: 0 })),
    volume_participation: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  },
  { additionalProperties: false, description: "overrides, field by field, the account's costs (the engine's stated defaults when the account sets none)" },
);

/** What every research run names: a strategy, its universe and period, and how it is simulated. */
const RunFields = {
  strategy_id: Type.Optional(Type.Integer({ minimum: 1, description: 'a stored strategy' })),
  strategy: Type.Optional(StrategyInput),
  universe: Type.Optional(
    Type.Array(Symbol, { minItems: 1, maxItems: 2000, uniqueItems: true, description: "the symbols (default: the strategy's universe)" }),
  ),
  start: Type.Optional(Type.String({ format: 'date', description: 'first day of bars (default: the first stored)' })),
  end: Type.Optional(Type.String({ format: 'date', description: 'last day of bars (default: the last stored)' })),
  parameters: Type.Optional(StrategyParameters({ description: "fixed parameters over the strategy's own (the searched ones vary)" })),
  costs: Type.Optional(BacktestCosts),
  decision: Type.Optional(Type.Union([Type.Literal('after_close'), Type.Literal('close_auction')])),
  starting_cash: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "default: the strategy's allocation" })),
};
const SearchFields = {
  space: Type.Record(Type.String({ maxLength: 64 }), ParameterRange, { description: 'the parameters searched, by name, each with its range or choices' }),
  method: SearchMethod,
  budget: Type.Integer({ minimum: 1, maximum: 10_000, description: 'trials at most (a grid needs at least its size)' }),
  objective: Objective,
  max_drawdown_pct: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'the constraint of profit_with_max_drawdown, in percent' })),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: 'random and TPE draws are reproducible from it (default 1)' })),
};

export const OptimizationRequest = Type.Object(
  {
    ...RunFields,
    ...SearchFields,
    heatmap: Type.Optional(
      // Two names: an array of two (a tuple's JSON Schema lists its items, which the OpenAPI document's check cannot read as typed).
      Type.Unsafe<[string, string]>(
        Type.Array(Type.String(), { minItems: 2, maxItems: 2, description: 'the two searched parameters of the heat map (default: the first two)' }),
      ),
    ),
  },
  { additionalProperties: false },
);
export type OptimizationRequest = Static<typeof OptimizationRequest>;

export const WalkForwardRequest = Type.Object(
  {
    ...RunFields,
    ...SearchFields,
    windows: Type.Object(
      {
        mode: Type.Union([Type.Literal('rolling'), Type.Literal('anchored')], {
          description: 'rolling: the in-sample window moves by step; anchored: it always starts at the first session and grows',
        }),
        in_sample: Type.Integer({ minimum: 20, maximum: 20_000, description: 'sessions of each in-sample window' }),
        out_of_sample: Type.Integer({ minimum: 5, maximum: 20_000, description: 'sessions of each out-of-sample window' }),
        step: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 20_000,
            description: 'sessions between window starts (default: out_of_sample, so the out-of-sample windows tile)',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type WalkForwardRequest = Static<typeof WalkForwardRequest>;

export const LookaheadRequest = Type.Object(
  {
    ...RunFields,
    max_signals: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 500, description: 'signals rerun with the data cut at their time (default 30, spread over the run)' }),
    ),
  },
  { additionalProperties: false },
);
export type LookaheadRequest = Static<typeof LookaheadRequest>;

const Nullable = <T extends ReturnType<typeof Type.Number>>(schema: T) => Type.Union([schema, Type.Null()]);
export const TrialFigures = Type.Object({
  sharpe: Nullable(Type.Number()),
  sortino: Nullable(Type.Number()),
  net_profit: Type.Number(),
  total_return: Type.Number(),
  cagr: Nullable(Type.Number()),
  max_drawdown_pct: Type.Number({ description: 'the deepest fall from a peak, percent' }),
  calmar: Nullable(Type.Number()),
  trades: Type.Integer(),
  win_rate: Nullable(Type.Number()),
  fees: Type.Number(),
  observations: Type.Integer({ description: 'period (session) returns' }),
  skewness: Nullable(Type.Number()),
  kurtosis: Nullable(Type.Number({ description: 'not excess: 3 for a normal distribution' })),
});
export type TrialFigures = Static<typeof TrialFigures>;

export const TrialView = Type.Object({
  trial: Type.Integer({ description: 'the trial number in its run (and window)' }),
  window: Type.Union([Type.Integer(), Type.Null()], { description: "a walk-forward's window; null in an optimisation" }),
  phase: Type.Union([Type.Literal('search'), Type.Literal('out_of_sample')]),
  status: Type.Union([Type.Literal('queued'), Type.Literal('succeeded'), Type.Literal('failed')]),
  rank: Type.Union([Type.Integer(), Type.Null()], { description: '1 = best objective; null when failed or without an objective' }),
  parameters: StrategyParameters({ description: 'the searched parameters of this trial' }),
  objective: Type.Union([Type.Number(), Type.Null()]),
  feasible: Type.Boolean({ description: "false when profit_with_max_drawdown's constraint is broken" }),
  figures: Type.Union([TrialFigures, Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  job_id: Type.Union([Type.String(), Type.Null()]),
  start: Type.String(),
  end: Type.String(),
  finished_at: Type.Union([Type.String(), Type.Null()]),
});
export type TrialView = Static<typeof TrialView>;

export const Overfitting = Type.Object(
  {
    trials: Type.Integer({ description: 'trials with a Sharpe ratio (the multiple tests)' }),
    best_sharpe: Type.Union([Type.Number(), Type.Null()], { description: "the best trial's annualised Sharpe" }),
    expected_max_sharpe: Type.Union([Type.Number(), Type.Null()], {
      description: 'the annualised Sharpe the best of this many trials of no skill would reach (SR0)',
    }),
    deflated_sharpe: Type.Union([Type.Number(), Type.Null()], {
      description: "probability (0..1) that the best trial's true Sharpe is above zero after the trials, skewness and kurtosis (Bailey & Lopez de Prado, 2014)",
    }),
    warning: Type.Union([Type.String(), Type.Null()], { description: 'a sentence when the best Sharpe is likely luck (deflated Sharpe below 0.95)' }),
  },
  { description: 'the multiple-testing correction of the best Sharpe' },
);

export const Sensitivity = Type.Object({
  parameters: Type.Array(
    Type.Object({
      name: Type.String(),
      points: Type.Array(Type.Object({ value: StrategyParameterValue, objective: Type.Number() }), { description: 'every trial with an objective' }),
      by_value: Type.Array(Type.Object({ value: StrategyParameterValue, trials: Type.Integer(), mean: Type.Number(), best: Type.Number() }), {
        description: 'the objective per value (numeric ranges in up to 20 bins, value = the bin centre)',
      }),
    }),
  ),
  heatmap: Type.Union([
    Type.Object({
      x: Type.String(),
      y: Type.String(),
      x_values: Type.Array(StrategyParameterValue),
      y_values: Type.Array(StrategyParameterValue),
      best: Type.Array(Type.Array(Type.Union([Type.Number(), Type.Null()])), {
        description: 'best objective per cell, rows by y, columns by x; null where no trial fell',
      }),
    }),
    Type.Null(),
  ]),
});

/** A research run's job as its routes answer it: its status and the request it was started with. */
const runStatusOf = <T extends TSchema>(request: T) =>
  Type.Object({
    id: Type.String(),
    kind: Type.String(),
    status: Type.String({ description: 'queued, running, succeeded, failed or cancelled (the job)' }),
    stage: Type.String(),
    progress: Type.Number(),
    error: Type.Union([Type.String(), Type.Null()]),
    request,
    created_by: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String(),
    finished_at: Type.Union([Type.String(), Type.Null()]),
  });
export const OptimizationStatus = runStatusOf(OptimizationRequest);
export const WalkForwardStatus = runStatusOf(WalkForwardRequest);
export const LookaheadStatus = runStatusOf(LookaheadRequest);

export const OptimizationView = Type.Object({
  ...OptimizationStatus.properties,
  trials: Type.Object({ done: Type.Integer(), succeeded: Type.Integer(), failed: Type.Integer(), queued: Type.Integer(), budget: Type.Integer() }),
  best: Type.Union([TrialView, Type.Null()]),
  top: Type.Array(TrialView, { description: 'the ten best trials' }),
  overfitting: Overfitting,
  sensitivity: Sensitivity,
  links: Type.Record(Type.String(), Type.String()),
});

const EquityPoint = Type.Object({ date: Type.String(), equity: Type.Number() });
export const WalkForwardWindow = Type.Object({
  window: Type.Integer(),
  in_sample: Type.Object({ start: Type.String(), end: Type.String() }),
  out_of_sample: Type.Object({ start: Type.String(), end: Type.String() }),
  parameters: Type.Union([StrategyParameters(), Type.Null()], {
    description: "the best in-sample trial's parameters, run out of sample; null while unknown or when no trial succeeded",
  }),
  trials: Type.Object({ done: Type.Integer(), failed: Type.Integer() }),
  in_sample_figures: Type.Union([TrialFigures, Type.Null()]),
  in_sample_objective: Type.Union([Type.Number(), Type.Null()]),
  out_of_sample_figures: Type.Union([TrialFigures, Type.Null()]),
  out_of_sample_objective: Type.Union([Type.Number(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});
export const WalkForwardView = Type.Object({
  ...WalkForwardStatus.properties,
  windows: Type.Array(WalkForwardWindow),
  out_of_sample_equity: Type.Array(EquityPoint, {
    description: 'the out-of-sample windows stitched: each starts where the previous ended (returns compounded)',
  }),
  out_of_sample: Type.Union([TrialFigures, Type.Null()], { description: 'figures of the stitched out-of-sample curve' }),
  in_sample: Type.Union([TrialFigures, Type.Null()], { description: "the windows' best in-sample figures, averaged" }),
  walk_forward_efficiency: Type.Union([Type.Number(), Type.Null()], { description: 'annualised out-of-sample return / annualised in-sample return (Pardo)' }),
  links: Type.Record(Type.String(), Type.String()),
});

const Decision = Type.Object({
  symbol: Type.String(),
  side: Type.String(),
  type: Type.String(),
  quantity: Type.Number(),
  price: Type.Union([Type.Number(), Type.Null()]),
});
/** What a lookahead check's job answers. */
export const LookaheadResult = Type.Object({
  biased: Type.Boolean({ description: 'true when a decision changed once the data was cut at its time: the strategy used data it could not have had' }),
  signals: Type.Integer({ description: 'instants with decisions in the full run' }),
  checked: Type.Integer(),
  flagged: Type.Array(
    Type.Object({
      at: Type.String(),
      day: Type.String(),
      full: Type.Array(Decision),
      cut: Type.Array(Decision),
      error: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  verdict: Type.String(),
});
export const LookaheadView = Type.Object({
  ...LookaheadStatus.properties,
  result: Type.Union([LookaheadResult, Type.Null()]),
});

export const ResearchAccepted = Type.Object({ job_id: Type.String(), href: Type.String(), events: Type.String() });
export const ResearchId = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const ResearchListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) });
export const TrialsQuery = Type.Object({
  window: Type.Optional(Type.Integer({ minimum: 0 })),
  status: Type.Optional(Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('queued')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
});
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, description: 'a retried submission with the same key answers the same run (no second compute)' }),
  ),
});

export const OptimizationList = Type.Object({ optimizations: Type.Array(OptimizationStatus) });
export const WalkForwardList = Type.Object({ walk_forwards: Type.Array(WalkForwardStatus) });
export const LookaheadCheckList = Type.Object({ lookahead_checks: Type.Array(LookaheadStatus) });
export const TrialList = Type.Object({ trials: Type.Array(TrialView) });

/**
 * The research job kinds' contracts (`engine.define(kind, { params, result, metrics?, handler })`):
 * a run's params are the request its route enqueued; a trial job's a batch of one window's trials.
 */
const trialCounts = {
  done: Type.Integer({ description: 'trials stored (finished or not)' }),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
};
export const optimizationJobSchemas = {
  params: OptimizationRequest,
  result: Type.Object({
    trials: Type.Object(trialCounts),
    best: Type.Union([TrialView, Type.Null()], { description: 'the best feasible trial; null when none has an objective' }),
    overfitting: Overfitting,
  }),
};
export const walkForwardJobSchemas = {
  params: WalkForwardRequest,
  result: Type.Object({
    windows: Type.Integer(),
    trials: Type.Integer({ description: 'trials stored over every window (searched and out of sample)' }),
    failed: Type.Integer(),
  }),
};
export const TrialJobParams = Type.Object(
  {
    run_id: Type.String({ format: 'uuid', description: 'the optimisation or walk-forward the trials belong to' }),
    window: Type.Integer({ description: "the walk-forward's window; -1 in an optimisation" }),
    trials: Type.Optional(Type.Array(Type.Integer(), { description: 'the batch: trial numbers of the window' })),
    trial: Type.Optional(Type.Integer({ description: 'one trial (a job queued before batches)' })),
  },
  { additionalProperties: false },
);
export type TrialJobParams = Static<typeof TrialJobParams>;
export const TrialJobOutcome = Type.Object({
  trial: Type.Integer(),
  status: Type.String({ description: 'succeeded or failed (queued: not run)' }),
  objective: Type.Union([Type.Number(), Type.Null()]),
  error: Type.Optional(Type.String()),
  cpu_ms: Type.Optional(Type.Number({ description: "the research thread's CPU time on the trial" })),
  busy_ms: Type.Optional(Type.Number({ description: "the thread's wall time on the trial" })),
  idle_ms: Type.Optional(Type.Number({ description: 'how long the thread had waited since its previous trial' })),
  thread: Type.Optional(Type.Integer({ description: 'the research thread that ran it' })),
});
export type TrialJobOutcome = Static<typeof TrialJobOutcome>;
export const trialJobSchemas = { params: TrialJobParams, result: Type.Object({ trials: Type.Array(TrialJobOutcome) }) };
export const lookaheadJobSchemas = {
  params: LookaheadRequest,
  result: LookaheadResult,
  metrics: Type.Object({ checked: Type.Integer(), flagged: Type.Integer({ description: 'decisions that changed once the data was cut' }) }),
};
