import { encodeTickFrame, liveTicksChannel, tickSectionStart, tickSymbolEnd } from '@closecross/contracts';
import type { Clock } from '@closecross/engine';
import type { TestDatabase } from '@closecross/tests/support';

let position = 0;

/** Publishes a trade as the prices service does: the live-ticks contract's payload on its NOTIFY channel. */
export async function publishTrade(database: TestDatabase, symbol: string, price: number, timeMs: number, size = 1_000): Promise<void> {
  const frame = encodeTickFrame({ type: 'trade', provider: 'replay', symbol, time: timeMs, position: ++position, price, size }, timeMs);
  await database.pool.query('select pg_notify($1, $2)', [liveTicksChannel, `${tickSectionStart}${symbol}${tickSymbolEnd}${frame}`]);
}

/**
 * A live feed for a while: a trade of each symbol every 20 ms, stamped just after the clock's
 * now (so after any order placed at it). Answers the stop.
 */
export function startTicker(database: TestDatabase, clock: Clock, prices: Record<string, number>): () => Promise<void> {
  let ticking = true;
  const running = (async () => {
    for (let n = 1; ticking; n++) {
      for (const [symbol, price] of Object.entries(prices)) await publishTrade(database, symbol, price, clock.nowMs() + n);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return async () => {
    ticking = false;
    await running;
  };
}
