import { encodeTickFrame, liveTicksChannel, tickSectionStart, tickSymbolEnd } from '@closecross/contracts';
import type { Pool } from 'pg';
import type { MarketEvent } from '../providers/market-events.ts';

/** NOTIFY payloads must stay under 8000 bytes. */
const maxPayloadBytes = 7_500;

/**
 * The Server-Sent Events frame of an event (with its id, symbol:position), built here once per
 * tick so nothing downstream parses or serializes it again; the format is the live-ticks contract
 * in @closecross/contracts, which other services decode.
 */
export const sseFrame = (event: MarketEvent, receivedAt: number): string => encodeTickFrame(event, receivedAt);

/**
 * Sends ticks to every task's stream clients through Postgres NOTIFY, batched: a payload is one
 * section per symbol, `\x1eSYMBOL\x1f` then that symbol's SSE frames in order, packed under 8 kB;
 * every few milliseconds all sealed payloads go in one round trip. A listener then handles a batch
 * per symbol, never per tick. Order is kept per symbol (not across symbols within a batch).
 */
export class TickPublisher {
  private sections = new Map<string, string>();
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
    this.onError = onError;
  }

  push(symbol: string, frame: string): void {
    const header = this.sections.has(symbol) ? 0 : symbol.length + 2;
    if (this.bytes + header + frame.length > maxPayloadBytes) this.seal();
    const frames = this.sections.get(symbol);
    this.bytes += (frames === undefined ? symbol.length + 2 : 0) + frame.length;
    this.sections.set(symbol, frames === undefined ? frame : frames + frame);
    this.timer ??= setTimeout(() => this.send(), this.intervalMs);
  }

  private seal(): void {
    if (this.sections.size === 0) return;
    let payload = '';
    for (const [symbol, frames] of this.sections) payload += `${tickSectionStart}${symbol}${tickSymbolEnd}${frames}`;
    this.payloads.push(payload);
    this.sections = new Map();
    this.bytes = 0;
  }

  private send(): void {
    this.timer = undefined;
    if (this.sending) {
      this.timer = setTimeout(() => this.send(), this.intervalMs);
      return;
    }
    this.seal();
    // At most 1,000 a round trip (a statement takes 65,535 parameters); a backlog goes in the next ones.
    const payloads = this.payloads.splice(0, 1_000);
    if (payloads.length === 0) return;
    // One parameter per payload, not a text[]: node-postgres escapes every quote of an array's
    // elements (a JSON tick has a dozen), which was the costliest step of a send.
    const rows = payloads.map((_, index) => `($${index + 2})`).join(', ');
    this.sending = this.pool
      .query(`select pg_notify($1, payload) from (values ${rows}) as batch (payload)`, [liveTicksChannel, ...payloads])
      .then(() => void (this.published += payloads.length))
      .catch(this.onError)
      .finally(() => {
        this.sending = undefined;
        if (this.payloads.length > 0) this.timer ??= setTimeout(() => this.send(), 0);
      });
  }

  /** Sends what is still packed (after the round trip under way, which would otherwise defer it). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.sending || this.payloads.length > 0 || this.sections.size > 0) {
      await this.sending;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.send();
      if (!this.sending) break;
    }
  }
}
