/**
 * The kill switch's answer (POST /trading/square-off) as a person reads it: the outcome the API
 * gives (`status`, `remaining`), never "done" when it says otherwise. The shape is the OpenAPI
 * document's; the answer is still checked at run time, as an answer without them must never read as done.
 */
import type { ResponseOf } from '@closecross/client';

export type SquareOffAnswer = Pick<ResponseOf<'/trading/square-off', 'post'>, 'id' | 'status' | 'actions' | 'remaining' | 'duration_ms'>;
export type SquareOffAction = SquareOffAnswer['actions'][number];

export function parseSquareOffAnswer(answer: unknown): SquareOffAnswer {
  const value = answer as Partial<SquareOffAnswer> | null;
  if (!value || (value.status !== 'done' && value.status !== 'incomplete'))
    throw new Error(
      `the square-off answered without a known status (${JSON.stringify((value as { status?: unknown } | null)?.status)}): see the trading state and positions`,
    );
  if (!value.remaining || !Array.isArray(value.remaining.open_orders) || !Array.isArray(value.remaining.positions))
    throw new Error('the square-off answered without what remains: see the positions and orders');
  return {
    id: String(value.id ?? ''),
    status: value.status,
    actions: Array.isArray(value.actions) ? value.actions : [],
    remaining: value.remaining,
    duration_ms: Number(value.duration_ms ?? 0),
  };
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export interface SquareOffOutcome {
  status: 'done' | 'incomplete';
  headline: string;
  /** What is left, each with the API's reason ("market closed: waits for the open of 2026-12-07"). */
  remaining: string[];
}

/** `strategyName` turns a strategy id into its name (null: the manual book). */
export function squareOffOutcome(answer: SquareOffAnswer, strategyName: (id: number | null) => string): SquareOffOutcome {
  const cancelled = answer.actions.filter((action) => action.kind === 'cancel' && action.outcome === 'done').length;
  const closed = answer.actions.filter((action) => action.kind === 'close' && action.outcome === 'done').length;
  const did = `${count(cancelled, 'order')} cancelled, ${count(closed, 'position')} closed`;
  const { positions, open_orders: orders } = answer.remaining;
  // The API's status decides; what remains is listed whatever it says.
  if (answer.status === 'done' && positions.length === 0 && orders.length === 0)
    return { status: 'done', headline: `Square-off done in ${seconds(answer.duration_ms)}: ${did}; nothing open.`, remaining: [] };
  const left = [positions.length > 0 ? count(positions.length, 'position') : null, orders.length > 0 ? count(orders.length, 'open order') : null]
    .filter(Boolean)
    .join(' and ');
  return {
    status: 'incomplete',
    headline: `Square-off incomplete after ${seconds(answer.duration_ms)}: ${did}; ${left || 'the API did not say what'} ${positions.length + orders.length === 1 ? 'remains' : 'remain'}. Trading stays halted.`,
    remaining: [
      ...positions.map((position) => `${position.symbol} ${position.quantity} held (${strategyName(position.strategy_id)}): ${position.reason}`),
      ...orders.map((order) => `order ${order.order_id.slice(0, 8)} ${order.symbol} ${order.state} (${strategyName(order.strategy_id)}): ${order.reason}`),
    ],
  };
}

/** While it runs, and after an incomplete one: what is still open now, from the live positions and orders. */
export function squareOffProgress(openPositions: number, openOrders: number, elapsedMs: number | null): string {
  const now = openPositions === 0 && openOrders === 0 ? 'nothing open now' : `now ${count(openPositions, 'position')} and ${count(openOrders, 'open order')}`;
  return elapsedMs === null ? `Since then: ${now}.` : `Squaring off for ${Math.floor(elapsedMs / 1000)} s: ${now}.`;
}
