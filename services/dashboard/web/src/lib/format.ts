/** Display helpers: every number on screen goes through one of these, so pages agree. */

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 2 });
const plain = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export const formatMoney = (value: number | null | undefined): string => (value == null || !Number.isFinite(value) ? '—' : money.format(value));

export const formatNumber = (value: number | null | undefined, digits = 2): string =>
  value == null || !Number.isFinite(value) ? '—' : digits === 2 ? plain.format(value) : value.toLocaleString('en-US', { maximumFractionDigits: digits });

/** 0.0123 -> "1.23%"; signed when asked, for changes. */
export function formatPercent(value: number | null | undefined, { signed = false, digits = 2 } = {}): string {
  if (value == null || !Number.isFinite(value)) return '—';
  const text = `${(value * 100).toFixed(digits)}%`;
  return signed && value > 0 ? `+${text}` : text;
}

/** A signed money change: "+$12.00" / "-$3.50". */
export const formatChange = (value: number | null | undefined): string => (value == null || !Number.isFinite(value) ? '—' : `${value > 0 ? '+' : ''}${formatMoney(value)}`);

/** "3 s ago", "5 min ago", "2 h ago", else the date: how old a heartbeat, a tick or a job is. */
export function formatAge(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms < 1_000) return 'just now';
  if (ms < 60_000) return `${Math.round(ms / 1_000)} s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h ago`;
  return `${Math.round(ms / 86_400_000)} d ago`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace('T', ' ').slice(0, 19);
}

/** The sign of a value as a CSS class, so gains and losses read at a glance (with the sign in the text too). */
export const signClass = (value: number | null | undefined): string => (value == null || value === 0 ? '' : value > 0 ? 'gain' : 'loss');
