import { Type, type Static } from '@sinclair/typebox';
import { DateText, NumberOrString, Seed } from './common.ts';

/** The reference risk API's shapes (/work/shared/reference/risk-analysis-contract.md), kept exact. */

export const WarmupBody = Type.Object({
  s: Type.String({ maxLength: 16, description: 'local, lambda, ecs (ec2 is ecs); any case', examples: ['local'] }),
  r: NumberOrString('resources: parallel compute resources'),
});

/** The reference's analysis parameters, plus what the reference fixed: data, window and seed. */
export const AnalyseBody = Type.Object({
  h: NumberOrString('history: closes before the signal day used for mean and std'),
  d: NumberOrString('shots: Monte Carlo draws per resource'),
  t: Type.String({ maxLength: 16, description: 'buy or sell' }),
  p: NumberOrString('days after the signal at which profit or loss is taken'),
  symbol: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9.^=_-]{1,32}$' })),
  start: Type.Optional(DateText),
  end: Type.Optional(DateText),
  seed: Type.Optional(Seed({ description: 'makes the run reproducible; random when absent' })),
});
export type AnalyseBody = Static<typeof AnalyseBody>;

export const AnalyseDone = Type.Object({ result: Type.Literal('ok'), analysis_id: Type.String() });
export const WarmState = Type.Object({ warm: Type.Union([Type.Literal('true'), Type.Literal('false')]) });
export const TerminatedState = Type.Object({ terminated: Type.Union([Type.Literal('true'), Type.Literal('false')]) });
/** Each compute endpoint's URL with a ready-to-run call. */
export const Endpoints = Type.Record(Type.String(), Type.String());
export const SignalVars = Type.Object({ var95: Type.Array(Type.Number()), var99: Type.Array(Type.Number()) });
export const AverageVars = Type.Object({ var95: Type.Number(), var99: Type.Number() });
export const SignalProfitLoss = Type.Object({ profit_loss: Type.Array(Type.Number()) });
export const TotalProfitLoss = Type.Object({ profit_loss: Type.Number() });
export const ChartUrl = Type.Object({ url: Type.String() });

/** One finished analysis as the reference's audit listed it, plus what the reference fixed (symbol, window, seed; optional: records are kept from before they were written). */
export const AuditRecord = Type.Object(
  {
    s: Type.String(),
    r: Type.Number(),
    h: Type.Number(),
    d: Type.Number(),
    t: Type.String(),
    p: Type.Number(),
    profit_loss: Type.Number(),
    av95: Type.Union([Type.Number(), Type.Null()]),
    av99: Type.Union([Type.Number(), Type.Null()]),
    time: Type.Number({ description: 'billable ms' }),
    cost: Type.Number({ description: 'USD' }),
    symbol: Type.Optional(Type.String()),
    start: Type.Optional(Type.String()),
    end: Type.Optional(Type.String()),
    seed: Type.Optional(Type.Number()),
    analysis_id: Type.Optional(Type.String()),
    recorded_at: Type.String(),
  },
  // Records written by earlier versions keep whatever else they held.
  { additionalProperties: true },
);
export type AuditRecord = Static<typeof AuditRecord>;
export const AuditRecords = Type.Array(AuditRecord);

export const ChartQuery = Type.Object({
  analysis: Type.Optional(Type.String({ format: 'uuid' })),
  format: Type.Optional(Type.Union([Type.Literal('html'), Type.Literal('svg')])),
});
export const ChartPage = Type.String({ description: 'an HTML page holding the SVG chart, or the SVG itself with format=svg' });
