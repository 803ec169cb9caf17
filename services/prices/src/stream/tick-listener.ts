import { liveTicksChannel, parseTickEventId, splitTickSections } from '@closecross/contracts';
import type { Notification, Pool, PoolClient } from 'pg';

export const subscriptionsChannel = 'price_subscriptions';
/** A subscriptions notification's payload: `created <symbol> <id>` or `deleted <symbol> <id>`. */
export const subscriptionNotice = (change: 'created' | 'deleted', symbol: string, id: string): string => `${change} ${symbol} ${id}`;

export interface StreamClient {
  /** Upper-case symbols it asked for; every symbol when empty. */
  symbols: ReadonlySet<string>;
  /** One chunk of whole SSE frames; the same Buffer goes to every client with the same symbols. */
  send(chunk: Buffer): void;
}

/** Clients that asked for the same symbols share one chunk per batch. */
interface ClientGroup {
  symbols: ReadonlySet<string>;
  clients: Set<StreamClient>;
}

/** A symbol's frames as forwarded, kept a while so a client that reconnects resumes after its last event. */
interface SentSection {
  seq: number;
  symbol: string;
  first: number;
  last: number;
  frames: string;
}

/** Sections kept for resuming (4,096 to 8,192 of them, a few MB): a reconnect within seconds finds its place. */
const keptSections = 4_096;

/** The position in a frame that starts at `at` (`id: SYMBOL:POSITION\n...`). */
function positionAt(frames: string, at: number): number {
  const lineEnd = frames.indexOf('\n', at);
  const idLine = frames.slice(at + 4, lineEnd < 0 ? frames.length : lineEnd);
  return Number(idLine.slice(idLine.lastIndexOf(':') + 1));
}

/** The frames of a section after `position` (frames are in position order within a section). */
function framesAfter(frames: string, position: number): string {
  for (let at = 0; at >= 0 && at < frames.length;) {
    if (positionAt(frames, at) > position) return frames.slice(at);
    const next = frames.indexOf('\n\nid: ', at);
    at = next < 0 ? -1 : next + 2;
  }
  return '';
}

/**
 * The stream side of every task: one connection LISTENs for tick batches (from any worker on any
 * task) and subscription changes, and fans ticks out to this task's SSE clients. The payloads
 * carry SSE frames grouped by symbol (the live-ticks contract in @closecross/contracts), so
 * nothing is parsed per tick: the notifications of one socket read are gathered, and each group
 * of clients with the same symbols gets one chunk, encoded once and written to each of them.
 *
 * Every frame has an id, `SYMBOL:POSITION`. A position is forwarded once: after a worker takeover
 * the new holder replays from the stored cursor, and what was already sent is cut off here. A
 * client that reconnects with Last-Event-ID gets what it missed from the recent sections kept
 * here, then the live ones, never a frame twice.
 */
export class TickListener {
  private client: PoolClient | undefined;
  private closed = false;
  private readonly groups = new Map<string, ClientGroup>();
  private pending: SentSection[] = [];
  private flushScheduled = false;
  private readonly subscriptionListeners = new Set<() => void>();
  private retry: NodeJS.Timeout | undefined;
  /** The highest position forwarded per symbol; reset when the symbol is subscribed anew (its positions start over). */
  private readonly lastSent = new Map<string, number>();
  private readonly sent: SentSection[] = [];
  private seq = 0;
  delivered = 0;
  /** Frames cut because their position had been forwarded already (a takeover's replay). */
  duplicatesDropped = 0;

  private readonly pool: Pool;
  private readonly onError: (error: unknown) => void;

  constructor(pool: Pool, onError: (error: unknown) => void) {
    this.pool = pool;
    this.onError = onError;
  }

  async start(): Promise<void> {
    if (this.closed) return;
    try {
      const client = await this.pool.connect();
      this.client = client;
      client.on('notification', this.onNotification);
      client.on('error', this.onConnectionError);
      await client.query(`listen ${liveTicksChannel}`);
      await client.query(`listen ${subscriptionsChannel}`);
    } catch (error) {
      this.onConnectionError(error);
    }
  }

  private readonly onNotification = (message: Notification): void => {
    if (message.channel === liveTicksChannel && message.payload) this.receive(message.payload);
    else if (message.channel === subscriptionsChannel) {
      const [change, symbol] = (message.payload ?? '').split(' ');
      // A new subscription's positions start again from its own beginning.
      if (change === 'created' && symbol) this.lastSent.delete(symbol);
      for (const listener of this.subscriptionListeners) listener();
    }
  };

  private readonly onConnectionError = (error: unknown): void => {
    this.onError(error);
    const client = this.detach();
    client?.release(true);
    if (!this.closed && !this.retry) this.retry = setTimeout(() => ((this.retry = undefined), void this.start()), 1_000);
  };

  /** Takes the handlers off the listening connection: the pool may lend it to anyone next. */
  private detach(): PoolClient | undefined {
    const client = this.client;
    this.client = undefined;
    client?.off('notification', this.onNotification);
    client?.off('error', this.onConnectionError);
    return client;
  }

  /**
   * Adds a client. With the id of the last event it received (Last-Event-ID), it is first sent
   * what it missed that is still kept here: the sections after that event, of its symbols.
   */
  add(client: StreamClient, lastEventId?: string): () => void {
    if (lastEventId) {
      const backlog = this.missedSince(lastEventId, client.symbols);
      if (backlog !== '') client.send(Buffer.from(backlog));
    }
    const key = [...client.symbols].sort().join(',');
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { symbols: client.symbols, clients: new Set() }));
    group.clients.add(client);
    return () => {
      group.clients.delete(client);
      if (group.clients.size === 0 && this.groups.get(key) === group) this.groups.delete(key);
    };
  }

  /**
   * The kept frames after an event id, for these symbols. Found: every later section (in the
   * order they were sent). Not found (older than what is kept, or another task's): the named
   * symbol's kept frames after its position; the others' start live.
   */
  private missedSince(lastEventId: string, symbols: ReadonlySet<string>): string {
    const last = parseTickEventId(lastEventId);
    if (!last) return '';
    const wanted = (symbol: string) => symbols.size === 0 || symbols.has(symbol);
    let from = -1;
    for (let index = this.sent.length - 1; index >= 0; index--) {
      const section = this.sent[index]!;
      if (section.symbol === last.symbol && section.first <= last.position && last.position <= section.last) {
        from = index;
        break;
      }
    }
    let backlog = '';
    if (from >= 0) {
      backlog += framesAfter(this.sent[from]!.frames, last.position);
      for (const section of this.sent.slice(from + 1)) if (wanted(section.symbol)) backlog += section.frames;
    } else if (wanted(last.symbol)) {
      for (const section of this.sent)
        if (section.symbol === last.symbol && section.last > last.position) backlog += framesAfter(section.frames, last.position);
    }
    return backlog;
  }

  get clientCount(): number {
    let count = 0;
    for (const group of this.groups.values()) count += group.clients.size;
    return count;
  }

  onSubscriptionsChanged(listener: () => void): void {
    this.subscriptionListeners.add(listener);
  }

  /**
   * Splits a payload into its symbol sections, cuts what was already forwarded, keeps the rest
   * for resuming; the write waits for the rest of this socket read.
   */
  private receive(payload: string): void {
    for (const [symbol, frames] of splitTickSections(payload)) {
      if (frames === '') continue;
      const first = positionAt(frames, 0);
      const last = positionAt(frames, frames.lastIndexOf('id: '));
      const sentUpTo = this.lastSent.get(symbol);
      let kept = frames;
      let from = first;
      if (sentUpTo !== undefined && first <= sentUpTo) {
        // Only after a takeover: the new holder replays from the stored cursor.
        if (last <= sentUpTo) {
          this.duplicatesDropped += frames.split('\n\nid: ').length;
          continue;
        }
        kept = framesAfter(frames, sentUpTo);
        this.duplicatesDropped += frames.split('\n\nid: ').length - kept.split('\n\nid: ').length;
        from = positionAt(kept, 0);
      }
      this.lastSent.set(symbol, last);
      const section: SentSection = { seq: ++this.seq, symbol, first: from, last, frames: kept };
      this.sent.push(section);
      this.pending.push(section);
    }
    // Trimmed in bulk (amortised), not one shift per payload.
    if (this.sent.length > 2 * keptSections) this.sent.splice(0, this.sent.length - keptSections);
    if (this.groups.size > 0 && this.pending.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.fanOut());
    } else if (this.groups.size === 0) {
      this.pending = [];
    }
  }

  private fanOut(): void {
    this.flushScheduled = false;
    const sections = this.pending;
    this.pending = [];
    for (const group of this.groups.values()) {
      let chunk = '';
      for (const { symbol, frames } of sections) if (group.symbols.size === 0 || group.symbols.has(symbol)) chunk += frames;
      if (chunk === '') continue;
      const bytes = Buffer.from(chunk);
      for (const client of group.clients) client.send(bytes);
      this.delivered += group.clients.size;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    if (client) {
      client.off('notification', this.onNotification);
      await client.query(`unlisten *`).catch(() => undefined);
      this.detach()?.release();
    }
  }
}
