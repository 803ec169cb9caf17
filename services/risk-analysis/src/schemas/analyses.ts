import { Type } from '@sinclair/typebox';
import { NumberOrString } from './common.ts';
import { AnalyseBody } from './reference.ts';

/** POST /analyses: the reference's parameters; s and r default to the warmed scale. */
export const AnalysesBody = Type.Object({
  ...AnalyseBody.properties,
  s: Type.Optional(Type.String({ maxLength: 16, description: 'local, lambda or ecs; the warmed service by default' })),
  r: Type.Optional(NumberOrString('resources; the warmed scale by default')),
});

export const AnalysisQueued = Type.Object({ id: Type.String(), status: Type.Literal('queued'), seed: Type.Integer(), href: Type.String() });

export const AnalysisIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

// Stored rows outlive code: the objects below keep whatever else a row held (additionalProperties).
const open = { additionalProperties: true } as const;

/** Everything that defines an analysis: the parameters, the data window and the seed. */
export const AnalysisParams = Type.Object(
  {
    s: Type.String({ description: 'local, lambda or ecs' }),
    r: Type.Number(),
    h: Type.Number(),
    d: Type.Number(),
    t: Type.String({ description: 'buy or sell' }),
    p: Type.Number(),
    seed: Type.Number(),
    symbol: Type.String(),
    start: Type.String(),
    end: Type.String(),
  },
  { ...open, description: 's, r, h, d, t, p, seed, symbol, start, end' },
);

const VarPair = Type.Object({ var95: Type.Number(), var99: Type.Number(), es95: Type.Number(), es99: Type.Number() }, open);

const KupiecBacktest = Type.Union([
  Type.Object(
    {
      observations: Type.Number(),
      exceedances: Type.Number(),
      expectedRate: Type.Number(),
      observedRate: Type.Number(),
      likelihoodRatio: Type.Number(),
      pValue: Type.Number(),
      rejected: Type.Boolean(),
    },
    open,
  ),
  Type.Null(),
]);

export const AnalysedSignal = Type.Object(
  {
    index: Type.Number(),
    date: Type.String(),
    mean: Type.Number(),
    std: Type.Number(),
    var95: Type.Number({ description: 'Monte Carlo, averaged over the r resources' }),
    var99: Type.Number(),
    es95: Type.Number(),
    es99: Type.Number(),
    closedForm: VarPair,
    historical: VarPair,
    profitLoss: Type.Union([Type.Number(), Type.Null()]),
  },
  open,
);

export const AnalysisResult = Type.Object(
  {
    params: Type.Object(
      {
        h: Type.Number(),
        d: Type.Number(),
        t: Type.String(),
        p: Type.Number(),
        r: Type.Number(),
        seed: Type.Number(),
        body: Type.Optional(Type.Number()),
        bodyMode: Type.Optional(Type.String()),
      },
      { ...open, description: 'the parameters the analysis ran with' },
    ),
    signals: Type.Array(AnalysedSignal),
    var95: Type.Array(Type.Number()),
    var99: Type.Array(Type.Number()),
    profitLoss: Type.Array(Type.Number()),
    averageVar95: Type.Union([Type.Number(), Type.Null()]),
    averageVar99: Type.Union([Type.Number(), Type.Null()]),
    totalProfitLoss: Type.Number(),
    backtest: Type.Object({ var95: KupiecBacktest, var99: KupiecBacktest }, open),
    symbol: Type.String(),
    start: Type.String(),
    end: Type.String(),
    bars: Type.Number(),
  },
  { ...open, description: 'per-signal mean, std, Monte Carlo VaR and ES, closed-form and historical VaR, P&L; averages, total, Kupiec backtest' },
);

export const AnalysisView = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')]),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  params: AnalysisParams,
  result: Type.Union([AnalysisResult, Type.Null()]),
  billable_time: Type.Union([Type.Number(), Type.Null()]),
  cost: Type.Union([Type.Number(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  started_at: Type.Union([Type.String(), Type.Null()]),
  finished_at: Type.Union([Type.String(), Type.Null()]),
});
