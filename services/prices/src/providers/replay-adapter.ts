import type { IntradayBar } from '../store/intraday-csv.ts';
import type { Channel, MarketEvent } from '../model.ts';
import type { FeedSink, FollowRequest, ProviderAdapter } from './adapter.ts';
import { loadReplayBars, replayFiles } from './replay-files.ts';

const day = 86_400_000;
/** Per bar: four trades (open; low and high in the order that reaches close; close) and a quote after each. */
const eventsPerBar = 8;
const tradeOffsetsMs = [0, 15_000, 30_000, 45_000];
const halfSpread = 0.00005;

export interface ReplayOptions {
  folder: string;
  /** Data seconds per wall second: 60 plays a one-minute bar per second; 0 as fast as it can. */
  speed: number;
}

/**
 * The embedded provider: plays intraday one-minute bars as ticks, so a laptop has live prices
 * with no network. Each event's position is its index in the endless replay (the file again and
 * again, each lap shifted by whole days past the last), so a resumed replay continues exactly
 * after the stored cursor and bars come out equal to the file's.
 */
export class ReplayAdapter implements ProviderAdapter {
  readonly provider = 'replay' as const;
  private readonly players = new Map<string, ReplayPlayer>();
  private readonly cache = new Map<string, IntradayBar[]>();
  private readonly options: ReplayOptions;
  private readonly sink: FeedSink;

  constructor(options: ReplayOptions, sink: FeedSink) {
    this.options = options;
    this.sink = sink;
  }

  symbols(): string[] {
    return [...replayFiles(this.options.folder).keys()];
  }

  follow(request: FollowRequest): void {
    this.unfollow(request.symbol);
    const file = replayFiles(this.options.folder).get(request.symbol);
    if (!file) {
      this.sink.state(request.symbol, 'error', `no replay file for ${request.symbol} in ${this.options.folder}`);
      return;
    }
    let bars = this.cache.get(file);
    if (!bars) {
      bars = loadReplayBars(file);
      this.cache.set(file, bars);
    }
    const player = new ReplayPlayer(request.symbol, bars, new Set(request.channels), this.options.speed, this.sink);
    this.players.set(request.symbol, player);
    player.start((request.resumeAfter ?? -1) + 1);
  }

  unfollow(symbol: string): void {
    this.players.get(symbol)?.stop();
    this.players.delete(symbol);
  }

  async close(): Promise<void> {
    for (const symbol of [...this.players.keys()]) this.unfollow(symbol);
  }
}

class ReplayPlayer {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private next = 0;
  private startedAt = 0;
  private firstEvent = 0;
  private readonly lapMs: number;

  private readonly symbol: string;

  private readonly bars: IntradayBar[];

  private readonly channels: Set<Channel>;

  private readonly speed: number;

  private readonly sink: FeedSink;


  constructor(symbol: string, bars: IntradayBar[], channels: Set<Channel>, speed: number, sink: FeedSink) {

    this.symbol = symbol;

    this.bars = bars;

    this.channels = channels;

    this.speed = speed;

    this.sink = sink;
    const span = bars.length === 0 ? 0 : bars[bars.length - 1]!.start - bars[0]!.start + 60_000;
    this.lapMs = Math.max(1, Math.ceil(span / day)) * day;
  }

  start(from: number): void {
    if (this.bars.length === 0) {
      this.sink.state(this.symbol, 'error', `the replay file of ${this.symbol} has no bars`);
      return;
    }
    this.next = from;
    this.firstEvent = from;
    this.startedAt = Date.now();
    this.sink.state(this.symbol, 'live');
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = delayMs <= 0 ? (setImmediate(() => this.play()) as unknown as NodeJS.Timeout) : setTimeout(() => this.play(), delayMs);
  }

  /** Wall ms after the start at which the event index plays: a trade every 15 data seconds. */
  private dueAt(index: number): number {
    return ((index - this.firstEvent) / 2) * (15_000 / this.speed);
  }

  private play(): void {
    if (this.stopped) return;
    if (this.speed === 0) {
      // As fast as possible, yielding to the event loop every few thousand events.
      for (let emitted = 0; emitted < 4_000 && !this.stopped; emitted++) this.emit(this.next++);
      this.schedule(0);
      return;
    }
    const elapsed = Date.now() - this.startedAt;
    while (!this.stopped && this.dueAt(this.next) <= elapsed) this.emit(this.next++);
    this.schedule(Math.max(1, this.dueAt(this.next) - (Date.now() - this.startedAt)));
  }

  private emit(index: number): void {
    const perLap = this.bars.length * eventsPerBar;
    const lap = Math.floor(index / perLap);
    const within = index % perLap;
    const bar = this.bars[Math.floor(within / eventsPerBar)]!;
    const step = within % eventsPerBar;
    const trade = Math.floor(step / 2);
    const rising = bar.close >= bar.open;
    const price = trade === 0 ? bar.open : trade === 3 ? bar.close : (trade === 1) === rising ? bar.low : bar.high;
    const time = bar.start + lap * this.lapMs + tradeOffsetsMs[trade]!;
    // Built whole (no spread of a shared base): the replay is the bench's provider at 20,000 ticks/s.
    let event: MarketEvent | undefined;
    if (step % 2 === 0) {
      if (this.channels.has('trades')) event = { provider: 'replay', symbol: this.symbol, time, position: index, type: 'trade', price, size: bar.volume / 4 };
    } else if (this.channels.has('quotes')) {
      event = { provider: 'replay', symbol: this.symbol, time, position: index, type: 'quote', bid: price * (1 - halfSpread), ask: price * (1 + halfSpread), bidSize: 100, askSize: 100 };
    }
    if (event) this.sink.event(event);
  }
}
