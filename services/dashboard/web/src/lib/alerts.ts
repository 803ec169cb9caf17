import { formatChange, formatNumber } from './format.ts';

/** The events a channel switches on or off (packages/alerts alert-events.ts), in the order the page lists them. */
export const alertEvents = [
  'job_failed',
  'job_succeeded',
  'signal_awaiting_approval',
  'order_filled',
  'order_rejected',
  'limit_breached',
  'trading_state_changed',
  'square_off_done',
  'reconciliation_differences',
  'ingest_lag',
  'daily_pnl_summary',
] as const;

export const eventLabel = (event: string): string => event.replaceAll('_', ' ');

const text = (value: unknown): string => (value == null ? '' : String(value));

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
    case 'square_off_done': {
      const failures = Array.isArray(payload.failures) ? payload.failures.length : 0;
      return `${text(payload.scope)}: ${text(payload.cancelled_orders)} cancelled, ${text(payload.closed_positions)} closed${failures > 0 ? `, ${failures} failed` : ''}`;
    }
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
  return deliveries.map((delivery) => `${delivery.status} ${delivery.status === 'sent' ? 'to' : 'for'} ${delivery.channel_name}${delivery.status !== 'sent' && delivery.last_error ? ` (${delivery.last_error}, ${delivery.attempts} attempts)` : ''}`).join('; ');
}
