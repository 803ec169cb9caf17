import type { ResponseOf } from '@closecross/client';
import { formatChange, formatNumber } from './format.ts';

/** An event a channel switches on or off: the keys of a channel's `events` in the API's generated types. */
export type AlertEventName = keyof ResponseOf<'/alerts/channels'>['channels'][number]['events'];

/** The events in the order the page lists them (keys keep their order); the compiler fails when the API adds or drops an event. */
const listed: Record<AlertEventName, true> = {
  job_failed: true,
  job_succeeded: true,
  signal_awaiting_approval: true,
  order_filled: true,
  order_rejected: true,
  limit_breached: true,
  trading_state_changed: true,
  square_off_done: true,
  reconciliation_differences: true,
  ingest_lag: true,
  daily_pnl_summary: true,
};
export const alertEvents = Object.keys(listed) as AlertEventName[];

const text = (value: unknown): string => (value == null ? '' : String(value));

/**
 * How a square-off ended, by the payload's status (older payloads have none: anything left over,
 * or any failure, is not done), as the alert's channel message decides it.
 */
export function squareOffAlertStatus(payload: Record<string, unknown>): 'done' | 'incomplete' {
  if (payload.status === 'done' || payload.status === 'incomplete') return payload.status;
  const failures = Array.isArray(payload.failures) ? payload.failures.length : 0;
  const remaining = (payload.remaining ?? {}) as { open_orders?: unknown; positions?: unknown };
  const count = (value: unknown) => (Array.isArray(value) ? value.length : typeof value === 'number' ? value : 0);
  return failures === 0 && count(remaining.open_orders) + count(remaining.positions) === 0 ? 'done' : 'incomplete';
}

/**
 * An event's name for people. The square-off's event (`square_off_done`) is sent however it ended:
 * given its payload it reads "square off done" or "square off incomplete"; without, "square off".
 */
export function eventLabel(event: string, payload?: Record<string, unknown>): string {
  if (event === 'square_off_done') return payload ? `square off ${squareOffAlertStatus(payload)}` : 'square off';
  return event.replaceAll('_', ' ');
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** A square-off alert in a line: done, or INCOMPLETE with what remains and why. */
function squareOffSummary(payload: Record<string, unknown>): string {
  const did = `${text(payload.scope)}: ${text(payload.cancelled_orders)} cancelled, ${text(payload.closed_positions)} closed`;
  if (squareOffAlertStatus(payload) === 'done') return `done: ${did}`;
  const remaining = (payload.remaining ?? {}) as { open_orders?: unknown; positions?: unknown };
  const count = (value: unknown) => (Array.isArray(value) ? value.length : typeof value === 'number' ? value : 0);
  const failures = (Array.isArray(payload.failures) ? payload.failures : []) as { what?: string; symbol?: string; reason?: string }[];
  const left = payload.remaining
    ? `${plural(count(remaining.positions), 'position remains', 'positions remain')}, ${plural(count(remaining.open_orders), 'order remains', 'orders remain')}`
    : `${plural(failures.length, 'failure', 'failures')}`;
  const why = payload.waiting_for ? ` (${text(payload.waiting_for)})` : '';
  const items = failures.map((failure) => `${text(failure.what)} ${text(failure.symbol)}: ${text(failure.reason)}`.replace(/ +/g, ' '));
  return `INCOMPLETE: ${did}; ${left}${why}${items.length > 0 ? `. Left: ${items.join('; ')}` : ''}`;
}

/** One line that says what an alert is about, from its payload, for lists (the channel's message says more). */
export function alertSummary(event: string, payload: Record<string, unknown>): string {
  switch (event) {
    case 'job_failed':
    case 'job_succeeded':
      return `${text(payload.kind)} job${payload.error ? `: ${text(payload.error)}` : ''}`;
    case 'order_filled':
      return `${text(payload.side)} ${formatNumber(payload.quantity as number, 4)} ${text(payload.symbol)} at ${formatNumber(payload.price as number, 4)}${payload.strategy ? ` (${text(payload.strategy)})` : ''}`;
    case 'order_rejected':
      return `${text(payload.side)} ${formatNumber(payload.quantity as number, 4)} ${text(payload.symbol)} refused${payload.check ? ` by ${text(payload.check)}` : ''}: ${text(payload.reason)}`;
    case 'signal_awaiting_approval':
      return `${text(payload.side)} ${text(payload.symbol)} from ${text(payload.strategy)} waits for approval`;
    case 'limit_breached':
      return `${text(payload.limit)} of ${text(payload.scope)}: ${formatNumber(payload.value as number)} over ${formatNumber(payload.threshold as number)}${payload.action ? `, now ${text(payload.action)}` : ''}`;
    case 'trading_state_changed':
      return `${text(payload.scope)}: ${text(payload.from)} → ${text(payload.to)}${payload.by ? ` by ${text(payload.by)}` : ''}${payload.reason ? ` (${text(payload.reason)})` : ''}`;
    case 'square_off_done':
      return squareOffSummary(payload);
    case 'reconciliation_differences':
      return `${text(payload.broker)}: ${Array.isArray(payload.differences) ? payload.differences.length : 0} differences`;
    case 'ingest_lag':
      return `${text(payload.source)} ${text(payload.lag_seconds)} s behind (threshold ${text(payload.threshold_seconds)} s)`;
    case 'daily_pnl_summary':
      return `${text(payload.date)}: ${formatChange(payload.total as number)}`;
    default:
      return text(payload.text ?? payload.message ?? payload.reason ?? '');
  }
}

/** How an alert's deliveries went, in a few words ("sent to desk", "failed to ops: 401 …", "no channel"). */
export function deliverySummary(deliveries: readonly { channel_name: string; status: string; attempts: number; last_error: string | null }[]): string {
  if (deliveries.length === 0) return 'no channel';
  return deliveries
    .map(
      (delivery) =>
        `${delivery.status} ${delivery.status === 'sent' ? 'to' : 'for'} ${delivery.channel_name}${delivery.status !== 'sent' && delivery.last_error ? ` (${delivery.last_error}, ${delivery.attempts} attempts)` : ''}`,
    )
    .join('; ');
}
