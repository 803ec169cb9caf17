import { Type, type Static } from '@sinclair/typebox';

export type BarInterval = '1m' | '5m' | '1h' | '1d';
export const barIntervals: readonly BarInterval[] = ['1m', '5m', '1h', '1d'];

/** The most symbols one stream may ask for: beyond it, ask for every symbol (no ?symbols=). */
export const maxStreamSymbols = 100;

export const defaultBarInterval: BarInterval = '1m';
export const defaultBarsLimit = 1_000;
export const defaultImportZone = 'UTC';

export const Bar = Type.Object({
  start: Type.String(),
  open: Type.Number(),
  high: Type.Number(),
  low: Type.Number(),
  close: Type.Number(),
  volume: Type.Number(),
  complete: Type.Boolean({ description: "false for the bar being built: its interval has not ended by the symbol's last tick" }),
});
export type Bar = Static<typeof Bar>;

export const BarsQuery = Type.Object({
  interval: Type.Optional(
    Type.Union(
      barIntervals.map((interval) => Type.Literal(interval)),
      { default: defaultBarInterval },
    ),
  ),
  start: Type.Optional(Type.String()),
  end: Type.Optional(Type.String({ description: 'exclusive for intraday intervals, inclusive for 1d' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50_000, default: defaultBarsLimit, description: 'the latest bars in the range' })),
});
export const BarsResult = Type.Object({ symbol: Type.String(), interval: Type.String(), bars: Type.Array(Bar) });

export const ImportQuery = Type.Object({
  timezone: Type.Optional(Type.String({ default: defaultImportZone, description: 'the zone of timestamps written without an offset' })),
});
export const CsvBody = Type.String({ description: 'the CSV, sent as text/csv' });
export const ImportResult = Type.Object({ symbol: Type.String(), received: Type.Number(), written: Type.Number() });

const nullableNumber = Type.Union([Type.Number(), Type.Null()]);
export const Latest = Type.Object({
  symbol: Type.String(),
  provider: Type.String(),
  price: nullableNumber,
  bid: nullableNumber,
  ask: nullableNumber,
  bid_size: nullableNumber,
  ask_size: nullableNumber,
  quoted_at: Type.String(),
  updated_at: Type.String(),
});
export type Latest = Static<typeof Latest>;

export const StreamQuery = Type.Object({
  symbols: Type.Optional(Type.String({ maxLength: 8_192, description: `comma-separated, at most ${maxStreamSymbols}; every symbol when absent` })),
});
export const StreamHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({ maxLength: 64, description: 'the id of the last event received (SYMBOL:POSITION): the stream resumes after it' }),
  ),
});
export const EventStream = Type.String({ description: 'Server-Sent Events: event trade | quote | bar, id SYMBOL:POSITION, data the tick as JSON' });
