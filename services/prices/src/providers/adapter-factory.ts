import type { Clock } from '@closecross/engine';
import type { ProviderName } from './market-events.ts';
import type { PricesConfig } from '../prices-config.ts';
import type { FeedSink, ProviderAdapter } from './adapter.ts';
import { AlpacaAdapter } from './alpaca-adapter.ts';
import { BinanceAdapter } from './binance-adapter.ts';
import { ReplayAdapter } from './replay-adapter.ts';
import type { SocketLogger } from './reconnecting-socket.ts';

export function createAdapter(config: PricesConfig, log: SocketLogger, provider: ProviderName, sink: FeedSink, clock?: Clock): ProviderAdapter {
  switch (provider) {
    case 'replay':
      return new ReplayAdapter({ folder: config.PRICES_REPLAY_DIR, speed: config.PRICES_REPLAY_SPEED, ...(clock ? { clock } : {}) }, sink);
    case 'alpaca':
      return new AlpacaAdapter({ url: config.ALPACA_DATA_STREAM_URL, keyId: config.ALPACA_KEY_ID, secretKey: config.ALPACA_SECRET_KEY, log }, sink);
    case 'binance':
      return new BinanceAdapter(
        {
          url: config.BINANCE_STREAM_URL,
          streamsPerConnection: config.BINANCE_STREAMS_PER_CONNECTION,
          reconnectAfterMs: config.BINANCE_RECONNECT_HOURS * 3_600_000,
          log,
        },
        sink,
      );
  }
}
