import type { AlertEventName } from './alert-events.ts';

/** Telegram's limit per message; webhooks get the same text (Discord's limit is lower, see below). */
const maxTextLength = 4000;

const money = (value: unknown) =>
  typeof value === 'number' ? value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : String(value);
const list = (items: string[], max = 10) => [...items.slice(0, max), ...(items.length > max ? [`… and ${items.length - max} more`] : [])];

type Payload = Record<string, any>;

/** One line of headline and the details, per event, in words a person reads on a phone. */
function linesOf(event: string, p: Payload): string[] {
  switch (event as AlertEventName | 'test') {
    case 'job_failed':
      return [`Job failed: ${p.kind}`, `job ${p.job_id}, attempt ${p.attempts}`, `error: ${p.error ?? 'unknown'}`];
    case 'job_succeeded':
      return [`Job succeeded: ${p.kind}`, `job ${p.job_id}, attempt ${p.attempts}`];
    case 'signal_awaiting_approval':
      return [
        `Signal awaiting approval: ${p.side} ${p.symbol} (${p.strategy})`,
        `signal ${p.signal_id}${p.quantity === undefined ? '' : `, quantity ${p.quantity}`}${p.price === undefined ? '' : ` at ${money(p.price)}`}`,
        ...(p.expires_at ? [`expires ${p.expires_at}`] : []),
      ];
    case 'order_filled':
      return [`Order filled: ${p.side} ${p.quantity} ${p.symbol} at ${money(p.price)}`, `order ${p.order_id}${p.strategy ? ` (${p.strategy})` : ''}`];
    case 'order_rejected':
      return [
        `Order rejected: ${p.side} ${p.quantity} ${p.symbol}`,
        `reason: ${p.reason}${p.check ? ` (check ${p.check})` : ''}`,
        `order ${p.order_id}${p.strategy ? ` (${p.strategy})` : ''}`,
      ];
    case 'limit_breached':
      return [`Limit breached: ${p.limit} (${p.scope})`, `value ${p.value}, limit ${p.threshold}`, ...(p.action ? [`action: ${p.action}`] : [])];
    case 'trading_state_changed':
      return [`Trading state ${p.scope}: ${p.from} -> ${p.to}`, `reason: ${p.reason}`, ...(p.by ? [`by ${p.by}`] : [])];
    case 'square_off_done': {
      const failures = (p.failures ?? []) as { what: string; id?: string; symbol?: string; reason: string }[];
      const count = (value: unknown) => (Array.isArray(value) ? value.length : typeof value === 'number' ? value : 0);
      const openOrders = count(p.remaining?.open_orders);
      const positions = count(p.remaining?.positions);
      // Older payloads carry no status: anything left over, or any failure, is not done.
      const complete = p.status === 'done' || (p.status === undefined && failures.length === 0 && openOrders + positions === 0);
      const did = `${p.cancelled_orders} orders cancelled, ${p.closed_positions} positions closed`;
      if (complete) return [`Square-off done (${p.scope}): ${did}`];
      const left = p.remaining
        ? [
            `${openOrders} ${openOrders === 1 ? 'order remains' : 'orders remain'}`,
            `${positions} ${positions === 1 ? 'position remains' : 'positions remain'}`,
          ].join(', ')
        : `${failures.length} failed`;
      return [
        `Square-off INCOMPLETE (${p.scope}): ${left}${p.waiting_for ? `, ${p.waiting_for}` : ''}`,
        did,
        ...list(failures.map((failure) => `LEFT ${failure.what} ${failure.symbol ?? ''} ${failure.id ?? ''}: ${failure.reason}`.replace(/ +/g, ' '))),
      ];
    }
    case 'reconciliation_differences': {
      const differences = (p.differences ?? []) as { symbol: string; ours: number; theirs: number }[];
      return [
        `Reconciliation with ${p.broker}: ${differences.length} differences`,
        ...list(differences.map((d) => `${d.symbol}: ours ${d.ours}, broker ${d.theirs}`)),
      ];
    }
    case 'ingest_lag':
      if (p.state === 'recovered') return [`Ingest lag recovered on ${p.source}: ${p.lag_seconds} s behind (threshold ${p.threshold_seconds} s)`];
      return [`Ingest lag on ${p.source}: ${p.lag_seconds} s (threshold ${p.threshold_seconds} s)`];
    case 'daily_pnl_summary': {
      const byStrategy = (p.by_strategy ?? []) as { strategy: string; pnl: number }[];
      return [
        `Daily P&L ${p.date}: ${money(p.total)} (realized ${money(p.realized)}, unrealized ${money(p.unrealized)})`,
        ...(p.equity === undefined ? [] : [`equity ${money(p.equity)}`]),
        ...list(byStrategy.map((row) => `${row.strategy}: ${money(row.pnl)}`)),
      ];
    }
    case 'test':
      return [`Test message${p.text ? `: ${p.text}` : ''}`, `sent to channel ${p.channel}`];
    default:
      return [`${event}`, JSON.stringify(p)];
  }
}

/**
 * The text every channel shows. It ends with the delivery id, so a person seeing the same id
 * twice knows it is one alert sent twice, never two alerts.
 */
export function alertText(event: string, payload: Payload, deliveryId: string, limit = maxTextLength): string {
  const footer = `\ndelivery ${deliveryId}`;
  const body = linesOf(event, payload).join('\n');
  const room = limit - footer.length;
  return (body.length > room ? `${body.slice(0, room - 1)}…` : body) + footer;
}
