import { systemClock, type Clock } from '@closecross/engine';
import type { IntradayBar } from '../bars/intraday-csv.ts';
import type { Channel, MarketEvent } from './market-events.ts';
import type { FeedSink, FollowRequest, ProviderAdapter } from './adapter.ts';
import { loadReplayBars, replayFiles } from './replay-files.ts';

/**
 * Per bar: four trades (open; low and high in the order that reaches close; close), a quote after
 * each, then a silent step where the file's bar ends (kept so positions, and stored cursors, stay
 * those of nine events a bar).
 */
const eventsPerBar = 9;
const barStep = 8;
/** Data seconds into the bar of each trade: the pace of the file (a minute a bar) sets the spacing. */
const tradeOffsetsSeconds = [0, 15, 30, 45];
const halfSpread = 0.00005;
/** A pinned clock moves only when a test moves it: look again at least this often. */
const maxWaitMs = 250;

export interface ReplayOptions {
  /** Absolute folder of the intraday files (PRICES_REPLAY_DIR resolved from the repository root). */
  folder: string;
  /** Data seconds per wall second: 1 plays the file at its own pace, 60 a one-minute bar per second; 0 as fast as it can. */
  speed: number;
  /** Stamps every trade and quote, and paces the replay (tests pin it). */
  clock?: Clock;
}

/**
 * The embedded provider: plays intraday one-minute files as a live feed, so a laptop has live
 * prices with no network, on any day.
 *
 * How file time maps to now: the file's bars play in order, from the subscription's cursor, at
 * `speed` data seconds per wall second of the clock, and the file starts over when it ends
 * (endlessly). Each trade and quote is stamped with the clock's now when it plays, so prices move
 * "now" and a paper order fills on them; nothing carries a time ahead of the clock.
 *
 * What is stored: what it published, as for any live feed: the worker folds the trades (stamped
 * now) into one-minute bars under the real minutes they carry, the bars a live strategy builds
 * from the stream. The file's own rows are not stored (a CSV import does that), so a symbol's
 * stored minutes are one timeline: a backtest over today reads what live strategies saw today.
 *
 * Positions: an event's index in the endless replay (lap after lap), so a resumed replay carries
 * on exactly after the stored cursor.
 */
export class ReplayAdapter implements ProviderAdapter {
  readonly provider = 'replay' as const;
  private readonly players = new Map<string, ReplayPlayer>();
  private readonly cache = new Map<string, Promise<IntradayBar[]>>();
  private readonly options: ReplayOptions;
  private readonly clock: Clock;
  private readonly sink: FeedSink;
  /** One counter per follow, so a load that finishes after an unfollow (or a newer follow) starts nothing. */
  private generation = 0;
  private readonly following = new Map<string, number>();

  constructor(options: ReplayOptions, sink: FeedSink) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.sink = sink;
  }

  symbols(): string[] {
    return [...replayFiles(this.options.folder).keys()];
  }

  follow(request: FollowRequest): void {
    this.unfollow(request.symbol);
    const file = replayFiles(this.options.folder).get(request.symbol);
    if (!file) {
      this.sink.refuse(request.symbol, `no replay file for ${request.symbol} in ${this.options.folder}`);
      return;
    }
    const generation = ++this.generation;
    this.following.set(request.symbol, generation);
    let bars = this.cache.get(file);
    if (!bars) {
      bars = loadReplayBars(file);
      this.cache.set(file, bars);
      bars.catch(() => this.cache.delete(file));
    }
    bars.then(
      (loaded) => {
        if (this.following.get(request.symbol) !== generation) return;
        const player = new ReplayPlayer(request.symbol, loaded, new Set(request.channels), this.options.speed, this.clock, this.sink);
        this.players.set(request.symbol, player);
        player.start((request.resumeAfter ?? -1) + 1);
      },
      (error: unknown) => {
        if (this.following.get(request.symbol) !== generation) return;
        this.following.delete(request.symbol);
        this.sink.refuse(request.symbol, `the replay file ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }

  unfollow(symbol: string): void {
    this.following.delete(symbol);
    this.players.get(symbol)?.stop();
    this.players.delete(symbol);
  }

  async close(): Promise<void> {
    for (const symbol of new Set([...this.players.keys(), ...this.following.keys()])) this.unfollow(symbol);
  }
}

class ReplayPlayer {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private stopped = false;
  private next = 0;
  private startedAt = 0;
  private firstEvent = 0;

  private readonly symbol: string;
  private readonly bars: IntradayBar[];
  private readonly channels: Set<Channel>;
  private readonly speed: number;
  private readonly clock: Clock;
  private readonly sink: FeedSink;

  constructor(symbol: string, bars: IntradayBar[], channels: Set<Channel>, speed: number, clock: Clock, sink: FeedSink) {
    this.symbol = symbol;
    this.bars = bars;
    this.channels = channels;
    this.speed = speed;
    this.clock = clock;
    this.sink = sink;
  }

  start(from: number): void {
    if (this.bars.length === 0) {
      this.sink.state(this.symbol, 'error', `the replay file of ${this.symbol} has no bars`);
      return;
    }
    this.next = from;
    this.firstEvent = from;
    this.startedAt = this.clock.nowMs();
    this.sink.state(this.symbol, 'live');
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) this.immediate = setImmediate(() => this.play());
    else this.timer = setTimeout(() => this.play(), Math.min(delayMs, maxWaitMs));
  }

  /** The data second (from the first event played) at which an event index plays. */
  private dataSecondOf(index: number): number {
    const bar = (barIndex: number) =>
      Math.floor(barIndex / eventsPerBar) * 60 + (barIndex % eventsPerBar === barStep ? 59 : tradeOffsetsSeconds[Math.floor((barIndex % eventsPerBar) / 2)]!);
    return bar(index) - bar(this.firstEvent);
  }

  /** Clock ms after the start at which an event index plays. */
  private dueAt(index: number): number {
    return (this.dataSecondOf(index) * 1000) / this.speed;
  }

  private play(): void {
    this.timer = undefined;
    this.immediate = undefined;
    if (this.stopped) return;
    if (this.speed === 0) {
      // As fast as possible, yielding to the event loop every few thousand events.
      for (let emitted = 0; emitted < 4_000 && !this.stopped; emitted++) this.emit(this.next++);
      this.schedule(0);
      return;
    }
    const elapsed = this.clock.nowMs() - this.startedAt;
    // At most a few thousand at once, should the clock jump ahead: the rest after a yield.
    for (let emitted = 0; emitted < 4_000 && !this.stopped && this.dueAt(this.next) <= elapsed; emitted++) this.emit(this.next++);
    this.schedule(Math.max(1, this.dueAt(this.next) - (this.clock.nowMs() - this.startedAt)));
  }

  private emit(index: number): void {
    const perLap = this.bars.length * eventsPerBar;
    const within = index % perLap;
    const bar = this.bars[Math.floor(within / eventsPerBar)]!;
    const step = within % eventsPerBar;
    // The file's bar is not an event of now: its step is silent.
    if (step === barStep) return;
    const trade = Math.floor(step / 2);
    const rising = bar.close >= bar.open;
    const price = trade === 0 ? bar.open : trade === 3 ? bar.close : (trade === 1) === rising ? bar.low : bar.high;
    const time = this.clock.nowMs();
    // Built whole (no spread of a shared base): the replay is the bench's provider at 20,000 ticks/s.
    let event: MarketEvent | undefined;
    if (step % 2 === 0) {
      if (this.channels.has('trades')) event = { provider: 'replay', symbol: this.symbol, time, position: index, type: 'trade', price, size: bar.volume / 4 };
    } else if (this.channels.has('quotes')) {
      event = {
        provider: 'replay',
        symbol: this.symbol,
        time,
        position: index,
        type: 'quote',
        bid: price * (1 - halfSpread),
        ask: price * (1 + halfSpread),
        bidSize: 100,
        askSize: 100,
      };
    }
    if (event) this.sink.event(event);
  }
}
