import type { Pool } from 'pg';
import type { MarketEvent } from '../model.ts';

export const ticksChannel = 'price_ticks';
/** NOTIFY payloads must stay under 8000 bytes. */
const maxPayloadBytes = 7_500;

/** One line of a notification: `SYMBOL\tTYPE\t{json}` (JSON has no raw newline or tab to escape). */
export function tickLine(event: MarketEvent, receivedAt: number): string {
  return `${event.symbol}\t${event.type}\t${JSON.stringify({ ...event, received_at: receivedAt })}`;
}

/**
 * Sends ticks to every task's stream clients through Postgres NOTIFY, batched: lines are packed
 * into payloads under 8 kB and sent every few milliseconds, all of a batch in one round trip.
 */
export class TickPublisher {
  private lines: string[] = [];
  private bytes = 0;
  private payloads: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  published = 0;

  private readonly pool: Pool;

  private readonly intervalMs: number;

  private readonly onError: (error: unknown) => void;


  constructor(pool: Pool, intervalMs: number, onError: (error: unknown) => void) {

    this.pool = pool;

    this.intervalMs = intervalMs;

    this.onError = onError;}

  push(line: string): void {
    if (this.bytes + line.length + 1 > maxPayloadBytes) this.seal();
    this.lines.push(line);
    this.bytes += line.length + 1;
    this.timer ??= setTimeout(() => this.send(), this.intervalMs);
  }

  private seal(): void {
    if (this.lines.length === 0) return;
    this.payloads.push(this.lines.join('\n'));
    this.lines = [];
    this.bytes = 0;
  }

  private send(): void {
    this.timer = undefined;
    if (this.sending) {
      this.timer = setTimeout(() => this.send(), this.intervalMs);
      return;
    }
    this.seal();
    const payloads = this.payloads;
    this.payloads = [];
    if (payloads.length === 0) return;
    this.sending = this.pool
      .query(`select pg_notify($1, payload) from unnest($2::text[]) as payload`, [ticksChannel, payloads])
      .then(() => void (this.published += payloads.length))
      .catch(this.onError)
      .finally(() => (this.sending = undefined));
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.send();
    await this.sending;
  }
}
