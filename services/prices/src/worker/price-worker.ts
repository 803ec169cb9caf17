import { systemClock, type Clock } from '@closecross/engine';
import { FairShareLeases, WorkerRegistry } from '@closecross/leases';
import { withTransaction } from '@closecross/db';
import type { Pool } from 'pg';
import type { Channel, FeedState, MarketEvent, ProviderName } from '../providers/market-events.ts';
import type { FeedSink, ProviderAdapter } from '../providers/adapter.ts';
import { addTradeBars, replaceWithFeedBars } from '../store/price-bar-1m.ts';
import { upsertLatest } from '../store/price-latest.ts';
import { advanceSubscription, refuseFeed, subscriptionsOfFeeds } from '../store/price-subscription.ts';
import { BarDeltas, minuteOf, type BarDelta } from './bar-deltas.ts';
import { sseFrame, type TickPublisher } from './tick-publisher.ts';

export interface WorkerLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface PriceWorkerOptions {
  pool: Pool;
  log: WorkerLogger;
  leaseMs: number;
  flushMs: number;
  staleSeconds: number;
  publisher: TickPublisher;
  /** Stamps what the worker records (staleness, arrival); the system clock unless a test pins one. */
  clock?: Clock;
  /** The adapter of a provider, made on first use and shared by every subscription to it. */
  adapterFor(provider: ProviderName, sink: FeedSink): ProviderAdapter;
}

interface Latest {
  price?: number;
  bid?: number;
  ask?: number;
  bidSize?: number;
  askSize?: number;
  time: number;
}

/** One subscription this worker runs: its cursor and what arrived since the last flush. */
interface Run {
  id: string;
  provider: ProviderName;
  symbol: string;
  channels: Set<Channel>;
  feed: string;
  cursor: number | null;
  deltas: BarDeltas;
  /** The minute of the latest trade folded: a trade of an earlier minute is not (its bar was already complete on the stream). */
  tradeMinute: number | null;
  /** The feed published a bar of its own for the symbol: from then on its minutes are the feed's bars, not folded trades. */
  feedBars: boolean;
  /** The feed's own bars published since the last flush: stored as they are, replacing the minute. */
  sourceBars: Map<number, BarDelta>;
  lastPosition: number | null;
  ticks: number;
  lastTickTime: number | null;
  latest: Latest | null;
  state: FeedState;
  error: string | null;
  dirty: boolean;
  lastEventAt: number;
  staleLogged: number;
}

/** Logged when a live feed has been silent past PRICES_STALE_SECONDS: the stack's alarm counts it. */
export const staleFeedEvent = 'price_feed_stale';
/** Logged when a worker cannot serve a feed (say its replay folder lacks the file) and hands it back. */
export const refusedFeedEvent = 'price_feed_refused';
/** Logged once a minute with the subscriptions held: the stack scales the service on their average. */
export const loadEvent = 'price_worker_load';

/**
 * A price worker: takes its fair share of the feeds (packages/leases on price_feed), follows their
 * subscriptions through the provider adapters, folds ticks into one-minute bar deltas and the
 * latest quote, flushes both with the cursor under the lease, and publishes every tick.
 */
export class PriceWorker {
  readonly leases: FairShareLeases;
  private readonly runs = new Map<string, Run>(); // by symbol
  private readonly adapters = new Map<ProviderName, ProviderAdapter>();
  private roundTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private rounding: Promise<void> | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = false;
  private roundAgain = false;
  ticksIn = 0;
  private loadLoggedAt = 0;

  private readonly options: PriceWorkerOptions;
  private readonly clock: Clock;

  constructor(options: PriceWorkerOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    const registry = new WorkerRegistry(options.pool, { kind: 'price-worker', pool: 'prices', leaseMs: options.leaseMs });
    // A feed this worker refused (it cannot serve it) is not eligible for it: another worker takes it.
    const me = `'${registry.id.replaceAll("'", "''")}'`;
    this.leases = new FairShareLeases(options.pool, registry, { table: 'price_feed', key: 'key', eligible: `not (${me} = any(s.refused_by))` });
  }

  get id(): string {
    return this.leases.owner;
  }

  start(): void {
    this.round();
    this.roundTimer = setInterval(() => this.round(), Math.max(100, Math.floor(this.options.leaseMs / 4)));
    this.flushTimer = setInterval(() => void this.flush(), this.options.flushMs);
  }

  /** Runs a lease round now (a subscription changed), or right after the one under way. */
  round(): void {
    if (this.stopped) return;
    if (this.rounding) {
      this.roundAgain = true;
      return;
    }
    this.rounding = this.leaseRound()
      .catch((error) => this.options.log.warn({ err: error }, 'price worker round failed'))
      .finally(() => {
        this.rounding = undefined;
        if (this.roundAgain) {
          this.roundAgain = false;
          this.round();
        }
      });
  }

  held(): { symbol: string; feed: string; state: FeedState; ticks: number }[] {
    return [...this.runs.values()].map((run) => ({ symbol: run.symbol, feed: run.feed, state: run.state, ticks: run.ticks }));
  }

  private async leaseRound(): Promise<void> {
    const outcome = await this.leases.round(
      { load: this.runs.size, holds: [...this.runs.keys()].sort(), details: { ticks_in: this.ticksIn, feeds: this.runs.size } },
      {
        lost: (feeds) => this.detachFeeds(feeds),
        // Hand back only after the ticks so far are stored with their cursor: the next holder resumes there.
        handBack: async (feeds) => {
          await this.flush();
          this.detachFeeds(feeds);
        },
      },
    );
    if (this.stopped) return;
    await this.follow(outcome.held);
    this.checkStale();
    if (this.clock.nowMs() - this.loadLoggedAt >= 60_000) {
      // Counted by the stack's scaling on subscriptions per task.
      this.loadLoggedAt = this.clock.nowMs();
      this.options.log.info({ event: loadEvent, subscriptions: this.runs.size, feeds: outcome.held.length }, 'price worker load');
    }
  }

  /** Starts the subscriptions of the held feeds that are not running; stops deleted ones. */
  private async follow(feeds: string[]): Promise<void> {
    const wanted = new Map((await subscriptionsOfFeeds(this.options.pool, feeds)).map((row) => [row.symbol, row]));
    for (const run of [...this.runs.values()]) {
      const row = wanted.get(run.symbol);
      if (!row || row.id !== run.id) this.detach(run);
    }
    for (const row of wanted.values()) {
      if (this.runs.has(row.symbol)) continue;
      const adapter = this.adapterOf(row.provider);
      const run: Run = {
        id: row.id,
        provider: row.provider,
        symbol: row.symbol,
        channels: new Set(row.channels),
        feed: row.feed,
        cursor: row.cursor === null ? null : Number(row.cursor),
        deltas: new BarDeltas(),
        tradeMinute: null,
        feedBars: false,
        sourceBars: new Map(),
        lastPosition: null,
        ticks: 0,
        lastTickTime: null,
        latest: null,
        state: 'connecting',
        error: null,
        dirty: true,
        lastEventAt: this.clock.nowMs(),
        staleLogged: 0,
      };
      this.runs.set(row.symbol, run);
      adapter.follow({ symbol: row.symbol, channels: row.channels, resumeAfter: run.cursor });
    }
  }

  private adapterOf(provider: ProviderName): ProviderAdapter {
    let adapter = this.adapters.get(provider);
    if (!adapter) {
      adapter = this.options.adapterFor(provider, {
        event: (event) => this.onEvent(event),
        state: (symbol, state, error) => this.onState(symbol, state, error),
        refuse: (symbol, reason) => void this.refuse(symbol, reason),
      });
      this.adapters.set(provider, adapter);
    }
    return adapter;
  }

  private detachFeeds(feeds: string[]): void {
    const lost = new Set(feeds);
    for (const run of [...this.runs.values()]) if (lost.has(run.feed)) this.detach(run);
  }

  /** Stops a subscription here; what it had not flushed is dropped (its next holder replays from the cursor). */
  private detach(run: Run): void {
    this.runs.delete(run.symbol);
    this.adapters.get(run.provider)?.unfollow(run.symbol);
  }

  /** The hot path: every event of every held subscription. */
  onEvent(event: MarketEvent): void {
    const run = this.runs.get(event.symbol);
    if (!run || run.provider !== event.provider) return;
    // At or below the stored cursor: already in the bars (a resumed replay, a reconnect overlap).
    if (run.cursor !== null && event.position <= run.cursor) return;
    if (run.lastPosition !== null && event.position <= run.lastPosition) return;
    run.lastPosition = event.position;
    run.ticks++;
    run.lastEventAt = this.clock.nowMs();
    run.dirty = true;
    this.ticksIn++;
    run.lastTickTime = event.time;
    // Stored bars are the bars a live strategy builds from what is published here (the trading
    // service's one-minute rule): the OHLC of the trades in each minute of their own time, volume
    // summed; a trade of a minute before the latest one's is left out; once the feed publishes a
    // bar of its own, its minutes are those bars. So a backtest over these minutes sees live's bars.
    // The latest quote is updated in place (a flush takes the object and leaves null): no allocation per tick.
    if (event.type === 'trade') {
      const minute = minuteOf(event.time);
      if (!run.feedBars && (run.tradeMinute === null || minute >= run.tradeMinute)) {
        run.tradeMinute = minute;
        run.deltas.trade(event.time, event.price, event.size);
      }
      const latest = (run.latest ??= { time: event.time });
      latest.price = event.price;
      latest.time = event.time;
    } else if (event.type === 'quote') {
      const latest = (run.latest ??= { time: event.time });
      latest.bid = event.bid;
      latest.ask = event.ask;
      latest.bidSize = event.bidSize;
      latest.askSize = event.askSize;
      latest.time = event.time;
    } else {
      run.feedBars = true;
      run.sourceBars.set(event.time, {
        start: event.time,
        open: event.open,
        high: event.high,
        low: event.low,
        close: event.close,
        volume: event.volume,
        trades: 0,
      });
      if (!run.channels.has('trades')) {
        // Without trades the bar's close is the latest price; with them, the trades are later.
        const latest = (run.latest ??= { time: event.time });
        latest.price = event.close;
        latest.time = event.time + 59_999;
      }
    }
    this.options.publisher.push(event.symbol, sseFrame(event, this.clock.nowMs()));
  }

  /**
   * This worker cannot serve a feed (the adapter says why): stop it here, hand the lease back with
   * this worker named among those that refused it, so the others take it and this one does not,
   * and say why on the subscription and in the log.
   */
  private async refuse(symbol: string, reason: string): Promise<void> {
    const run = this.runs.get(symbol);
    if (!run) return;
    this.detach(run);
    const why = `worker ${this.id} cannot serve it: ${reason}; handed back for another worker`;
    this.options.log.warn(
      { event: refusedFeedEvent, symbol, provider: run.provider, feed: run.feed, worker: this.id, reason },
      'price feed refused: handed back',
    );
    try {
      await refuseFeed(this.options.pool, run.feed, this.id, run.id, why);
      this.leases.forget(run.feed);
    } catch (error) {
      // The lease then lapses on its own; the eligibility rule still keeps it from this worker only once recorded.
      this.options.log.warn({ err: error, symbol }, 'could not hand back a refused feed; its lease will lapse');
    }
  }

  private onState(symbol: string, state: FeedState, error?: string): void {
    const run = this.runs.get(symbol);
    if (!run) return;
    run.state = state;
    run.error = error ?? null;
    run.dirty = true;
    if (state === 'error') this.options.log.warn({ event: 'price_feed_error', symbol, provider: run.provider, error }, 'price feed error');
  }

  private checkStale(): void {
    const now = this.clock.nowMs();
    for (const run of this.runs.values()) {
      const silentMs = now - run.lastEventAt;
      if (silentMs > this.options.staleSeconds * 1000 && now - run.staleLogged > this.options.staleSeconds * 1000) {
        run.staleLogged = now;
        this.options.log.warn(
          { event: staleFeedEvent, symbol: run.symbol, provider: run.provider, state: run.state, silentSeconds: Math.round(silentMs / 1000) },
          'price feed stale',
        );
      }
    }
  }

  /** Stores each dirty subscription's bar deltas, latest quote and cursor in one transaction under its feed's lease. */
  flush(): Promise<void> {
    this.flushing ??= this.flushAll().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushAll(): Promise<void> {
    for (const run of [...this.runs.values()]) {
      if (!run.dirty) continue;
      const deltas = run.deltas;
      const sourceBars = run.sourceBars;
      const latest = run.latest;
      const ticks = run.ticks;
      const cursor = run.lastPosition ?? run.cursor;
      run.deltas = new BarDeltas();
      run.sourceBars = new Map();
      run.latest = null;
      run.ticks = 0;
      run.dirty = false;
      try {
        const stored = await this.store(run, deltas, sourceBars, latest, ticks, cursor);
        if (!stored) {
          this.options.log.warn({ symbol: run.symbol, feed: run.feed }, 'feed lease lost before flush; its next holder resumes from the stored cursor');
          this.detach(run);
          continue;
        }
        run.cursor = cursor;
      } catch (error) {
        // Put it back in front of what arrived meanwhile; the next flush tries again.
        run.deltas = BarDeltas.combine(deltas, run.deltas);
        run.sourceBars = new Map([...sourceBars, ...run.sourceBars]);
        run.latest = run.latest ?? latest;
        run.ticks += ticks;
        run.dirty = true;
        this.options.log.warn({ err: error, symbol: run.symbol }, 'price flush failed; retrying');
      }
    }
  }

  private async store(
    run: Run,
    deltas: BarDeltas,
    sourceBars: Map<number, BarDelta>,
    latest: Latest | null,
    ticks: number,
    cursor: number | null,
  ): Promise<boolean> {
    return withTransaction(this.options.pool, async (client) => {
      // Nothing is written when this worker no longer holds the feed: committing that empty transaction is a rollback.
      if (!(await advanceSubscription(client, run.id, this.id, { cursor, ticks, lastTickTime: run.lastTickTime, state: run.state, error: run.error })))
        return false;
      const bars = [...deltas.bars.values()];
      if (bars.length > 0) await addTradeBars(client, run.symbol, run.provider, bars);
      if (sourceBars.size > 0) await replaceWithFeedBars(client, run.symbol, run.provider, [...sourceBars.values()]);
      if (latest) await upsertLatest(client, run.symbol, run.provider, latest);
      return true;
    });
  }

  /** On SIGTERM: stops the feeds, stores what arrived, hands the feeds back at once, leaves the fleet. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.roundTimer) clearInterval(this.roundTimer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.rounding;
    await Promise.all([...this.adapters.values()].map((adapter) => adapter.close().catch(() => undefined)));
    await this.flush().catch(() => undefined);
    await this.leases.leave();
  }
}
