import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import type { DailyBar, Side as RuleSide, StreamingRule } from '@closecross/quant';
import type { Bar, FillEvent } from '../events.ts';
import type { OrderRequest } from '../orders.ts';
import type { StrategyContext, StrategyHandlers } from '../strategy/context.ts';
import { defineStrategy, type StrategyDefinition } from '../strategy/define.ts';

/**
 * What the three rule strategies (three candles, RSI, moving-average cross) share: the fields of
 * today's `/trading/strategies` rules (side policy, warm-up, entry timing, sizing, exits), so a
 * stored rule maps onto a built-in instance field for field.
 */
export const ruleStrategyFields = {
  side_policy: Type.Union([Type.Literal('long_only'), Type.Literal('short_only'), Type.Literal('long_short')], {
    default: 'long_only',
    description: 'long_only: buy signals open longs; short_only: sell signals open shorts; long_short: both',
  }),
  warmup_bars: Type.Integer({ minimum: 0, maximum: 5000, default: 0, description: 'bars of history before the first signal (the reference h)' }),
  entry: Type.Union([Type.Literal('close'), Type.Literal('next_open'), Type.Literal('limit')], {
    default: 'close',
    description:
      "close: market-on-close (the signal session's close when the bar is decided at the closing auction, else the next session's); next_open: market-on-open of the next session; limit: a day limit for the next session",
  }),
  limit_offset_bps: Type.Number({
    minimum: 0,
    maximum: 5000,
    default: 0,
    description: "entry: limit: the limit this far below (buy) or above (sell) the signal's close",
  }),
  sizing: Type.Union([Type.Literal('fixed_quantity'), Type.Literal('fixed_notional'), Type.Literal('allocation_share')], {
    default: 'fixed_quantity',
    description: 'fixed_quantity: `quantity` shares; fixed_notional: floor(notional / close) shares; allocation_share: floor(share x starting equity / close)',
  }),
  quantity: Type.Number({ exclusiveMinimum: 0, default: 1, description: 'shares per entry (fixed_quantity)' }),
  notional: Type.Number({ exclusiveMinimum: 0, default: 10_000, description: 'money per entry (fixed_notional)' }),
  share: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.1, description: 'share of the starting equity per entry (allocation_share)' }),
  exit_after_bars: Type.Integer({ minimum: 0, maximum: 5000, default: 0, description: 'close a lot this many bars after its entry, at the close (0: never)' }),
  stop_loss_pct: Type.Number({
    minimum: 0,
    maximum: 100,
    default: 0,
    description: 'a stop order this far against the entry price, checked on lows/highs by the exchange (0: none)',
  }),
  take_profit_pct: Type.Number({ minimum: 0, maximum: 10_000, default: 0, description: 'a limit order this far beyond the entry price (0: none)' }),
  exit_on_opposite_signal: Type.Boolean({ default: false, description: 'close lots at the close when the opposite signal fires' }),
  price_decimals: Type.Integer({ minimum: 0, maximum: 8, default: 2, description: 'decimals of computed limit and stop prices (the instrument tick)' }),
};

type RuleFields = Static<TObject<typeof ruleStrategyFields>>;

/** One entry's lot as the strategy tracks it (JSON: it lives in ctx.state). */
interface TrackedLot {
  entryOrderId: string;
  symbol: string;
  direction: 1 | -1;
  quantity: number;
  entryPrice: number;
  filledMs: number;
  barsHeld: number;
  exitOrderIds: string[];
  closing: boolean;
}

interface RuleState {
  [key: string]: unknown;
  startEquity: number;
  lots: TrackedLot[];
}

const noLots: readonly TrackedLot[] = [];

const roundTo = (value: number, decimals: number): number => {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
};

/** The quant rules read a DailyBar; one scratch object per instance is enough (they copy what they keep). */
function dailyBarOf(bar: Bar, scratch: DailyBar): DailyBar {
  scratch.open = bar.open;
  scratch.high = bar.high;
  scratch.low = bar.low;
  scratch.close = bar.close;
  scratch.volume = bar.volume;
  return scratch;
}

const opens = (policy: RuleFields['side_policy'], side: RuleSide): boolean =>
  policy === 'long_short' || (policy === 'long_only' ? side === 'buy' : side === 'sell');

function entryQuantity(params: RuleFields, startEquity: number, price: number): number {
  switch (params.sizing) {
    case 'fixed_quantity':
      return params.quantity;
    case 'fixed_notional':
      return Math.floor(params.notional / price);
    case 'allocation_share':
      return Math.floor((params.share * startEquity) / price);
  }
}

/**
 * A strategy from a streaming signal rule of @closecross/quant (the very objects today's scans
 * use, so decisions match them bar for bar) plus the shared entry and exit machinery.
 */
export function defineRuleStrategy<R extends TProperties>(spec: {
  name: string;
  description: string;
  ruleFields: R;
  validate?: (params: Static<TObject<R>> & RuleFields) => void;
  historyBars?: (params: Static<TObject<R>> & RuleFields) => number;
  makeRule: (params: Static<TObject<R>> & RuleFields) => StreamingRule;
}): StrategyDefinition {
  const parameters = Type.Object({ ...spec.ruleFields, ...ruleStrategyFields } as TProperties, { additionalProperties: false });
  type Params = Static<TObject<R>> & RuleFields;
  const typed = (params: unknown) => params as Params;
  return defineStrategy({
    name: spec.name,
    description: spec.description,
    parameters,
    historyBars: (params) => Math.max(8, spec.historyBars?.(typed(params)) ?? 8),
    ...(spec.validate ? { validate: (params: unknown) => spec.validate!(typed(params)) } : {}),
    create: (untypedParams): StrategyHandlers<any> => {
      const params = typed(untypedParams);
      const rules = new Map<string, StreamingRule>();
      const scratch: DailyBar = { date: '', open: 0, high: 0, low: 0, close: 0, adjClose: null, volume: null };
      const ruleOf = (symbol: string): StreamingRule => {
        let rule = rules.get(symbol);
        if (!rule) rules.set(symbol, (rule = spec.makeRule(params)));
        return rule;
      };
      const stateOf = (ctx: StrategyContext<any>): RuleState => ctx.state as unknown as RuleState;
      // state.lots in symbol groups (same lots, same order), so a bar visits its own symbol's lots and
      // not every open lot of the universe; rebuilt when state.lots is another array than the one indexed.
      let indexedLots: TrackedLot[] | undefined;
      const lotsBySymbol = new Map<string, TrackedLot[]>();
      const lotsOf = (lots: TrackedLot[], symbol: string): TrackedLot[] | undefined => {
        if (lots !== indexedLots) {
          indexedLots = lots;
          lotsBySymbol.clear();
          for (const lot of lots) symbolLots(lot.symbol).push(lot);
        }
        return lotsBySymbol.get(symbol);
      };
      const symbolLots = (symbol: string): TrackedLot[] => {
        let list = lotsBySymbol.get(symbol);
        if (list === undefined) lotsBySymbol.set(symbol, (list = []));
        return list;
      };

      const closeLot = (ctx: StrategyContext<any>, lot: TrackedLot, reason: string) => {
        for (const id of lot.exitOrderIds) ctx.cancel(id);
        lot.closing = true;
        lot.exitOrderIds = [
          ctx.submit({
            type: 'market_on_close',
            symbol: lot.symbol,
            side: lot.direction === 1 ? 'sell' : 'buy',
            quantity: lot.quantity,
            clientId: `exit:${lot.entryOrderId}`,
          }),
        ];
        ctx.log.info(`exit ${lot.symbol} lot ${lot.entryOrderId}: ${reason}`);
      };

      return {
        onStart(ctx) {
          const state = stateOf(ctx);
          if (!Array.isArray(state.lots)) state.lots = [];
          if (typeof state.startEquity !== 'number') state.startEquity = ctx.equity();
        },
        onBar(ctx, bar) {
          const state = stateOf(ctx);
          const seen = ctx.history(bar.symbol, bar.interval).seen;
          const fired = ruleOf(bar.symbol).update(dailyBarOf(bar, scratch));
          const signal = fired !== undefined && seen - 1 >= params.warmup_bars ? fired : undefined;
          for (const lot of lotsOf(state.lots, bar.symbol) ?? noLots) {
            if (lot.closing) continue;
            if (bar.endMs > lot.filledMs) lot.barsHeld++;
            if (params.exit_after_bars > 0 && lot.barsHeld >= params.exit_after_bars) closeLot(ctx, lot, `${params.exit_after_bars} bars after entry`);
            else if (params.exit_on_opposite_signal && signal !== undefined && (signal === 'buy' ? -1 : 1) === lot.direction)
              closeLot(ctx, lot, `opposite (${signal}) signal`);
          }
          if (signal === undefined || !opens(params.side_policy, signal)) return;
          const quantity = entryQuantity(params, state.startEquity, bar.close);
          if (!(quantity > 0)) return;
          const base = { symbol: bar.symbol, side: signal, quantity, clientId: `entry:${signal}:${bar.endMs}` } as const;
          let order: OrderRequest;
          if (params.entry === 'close') order = { ...base, type: 'market_on_close' };
          else if (params.entry === 'next_open') order = { ...base, type: 'market_on_open' };
          else {
            const offset = params.limit_offset_bps / 10_000;
            order = {
              ...base,
              type: 'limit',
              timeInForce: 'day',
              limitPrice: roundTo(signal === 'buy' ? bar.close * (1 - offset) : bar.close * (1 + offset), params.price_decimals),
            };
          }
          ctx.submit(order);
        },
        onFill(ctx, fill: FillEvent) {
          const state = stateOf(ctx);
          const client = fill.clientId ?? '';
          if (client.startsWith('entry:')) {
            const direction = fill.side === 'buy' ? 1 : -1;
            const lot: TrackedLot = {
              entryOrderId: fill.orderId,
              symbol: fill.symbol,
              direction,
              quantity: fill.quantity,
              entryPrice: fill.price,
              filledMs: fill.ts,
              barsHeld: 0,
              exitOrderIds: [],
              closing: false,
            };
            const exitSide = direction === 1 ? 'sell' : 'buy';
            if (params.stop_loss_pct > 0) {
              const stopPrice = roundTo(fill.price * (1 - (direction * params.stop_loss_pct) / 100), params.price_decimals);
              lot.exitOrderIds.push(
                ctx.submit({
                  type: 'stop',
                  symbol: fill.symbol,
                  side: exitSide,
                  quantity: fill.quantity,
                  stopPrice,
                  timeInForce: 'gtc',
                  clientId: `stop:${fill.orderId}`,
                }),
              );
            }
            if (params.take_profit_pct > 0) {
              const limitPrice = roundTo(fill.price * (1 + (direction * params.take_profit_pct) / 100), params.price_decimals);
              lot.exitOrderIds.push(
                ctx.submit({
                  type: 'limit',
                  symbol: fill.symbol,
                  side: exitSide,
                  quantity: fill.quantity,
                  limitPrice,
                  timeInForce: 'gtc',
                  clientId: `take:${fill.orderId}`,
                }),
              );
            }
            state.lots.push(lot);
            if (indexedLots === state.lots) symbolLots(lot.symbol).push(lot);
            return;
          }
          // An exit filled: its lot is done; the other exit of the pair is cancelled (one-cancels-other).
          const entryId = client.slice(client.indexOf(':') + 1);
          const index = state.lots.findIndex((lot) => lot.entryOrderId === entryId);
          if (index < 0) {
            // Both exits of a lot filled on one bar (the stop and the take-profit are two orders, not
            // a one-cancels-other pair): the second reversed the position, so undo it at once.
            if (client.startsWith('stop:') || client.startsWith('take:')) {
              ctx.submit({
                type: 'market',
                symbol: fill.symbol,
                side: fill.side === 'buy' ? 'sell' : 'buy',
                quantity: fill.quantity,
                clientId: `undo:${entryId}`,
              });
              ctx.log.warn(`both exits of lot ${entryId} filled on one bar; the second is undone at market`);
            }
            return;
          }
          const lot = state.lots[index]!;
          lot.quantity -= fill.quantity;
          if (lot.quantity > 1e-12) return;
          for (const id of lot.exitOrderIds) if (id !== fill.orderId) ctx.cancel(id);
          state.lots.splice(index, 1);
          if (indexedLots === state.lots) {
            const symbolList = lotsBySymbol.get(lot.symbol)!;
            symbolList.splice(symbolList.indexOf(lot), 1);
          }
        },
      };
    },
  });
}
