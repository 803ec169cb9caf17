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
export const formatChange = (value: number | null | undefined): string =>
  value == null || !Number.isFinite(value) ? '—' : `${value > 0 ? '+' : ''}${formatMoney(value)}`;

/** "3 s ago", "5 min ago", "2 h ago", else the date: how old a heartbeat, a tick or a job is. */
export function formatAge(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms < 1_000) return 'just now';
  if (ms < 60_000) return `${Math.round(ms / 1_000)} s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h ago`;
  return `${Math.round(ms / 86_400_000)} d ago`;
}

/**
 * The desk's time zone (GET /app/config, the trading service's TRADING_TIMEZONE): every time on
 * screen is shown in it, with its label, so "17:05" never leaves a reader guessing UTC or local.
 */
let deskZone = 'UTC';
const formatters = new Map<string, Intl.DateTimeFormat>();
const formatterFor = (zone: string) => {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
};

/** Sets the desk's zone; an unknown zone is refused (the times stay in UTC, labelled so). */
export function setDeskTimeZone(zone: string): void {
  formatterFor(zone);
  deskZone = zone;
}
export const deskTimeZone = (): string => deskZone;

function partsIn(date: Date, zone: string): Record<string, string> {
  return Object.fromEntries(
    formatterFor(zone)
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
}

/** "2026-12-06 17:40:29 EST": an instant in the desk's zone (or `zone`), with the zone's label. */
export function formatDateTime(iso: string | null | undefined, zone = deskZone): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const part = partsIn(date, zone);
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second} ${part.timeZoneName}`;
}

/** The desk zone's short label now: "EST" (or "GMT+5:30" where the zone has no abbreviation). */
export const deskZoneShort = (now: Date = new Date(), zone = deskZone): string => partsIn(now, zone).timeZoneName ?? zone;

/** The desk zone's name and its short label now: "America/New_York, EST". */
export function deskZoneLabel(now: Date = new Date(), zone = deskZone): string {
  const label = partsIn(now, zone).timeZoneName;
  return label && label !== zone ? `${zone}, ${label}` : zone;
}

/** Today's date (YYYY-MM-DD) at the desk: which session is today, for display only. */
export function deskToday(now: Date = new Date(), zone = deskZone): string {
  const part = partsIn(now, zone);
  return `${part.year}-${part.month}-${part.day}`;
}

/** The sign of a value as a CSS class, so gains and losses read at a glance (with the sign in the text too). */
export const signClass = (value: number | null | undefined): string => (value == null || value === 0 ? '' : value > 0 ? 'gain' : 'loss');
