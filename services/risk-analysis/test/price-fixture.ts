import type { Service } from '@closecross/platform';
import { seededRandom } from '@closecross/tests/support';

/** Posts `days` generated daily bars (a random walk with real-looking candles) for `symbol`. */
export async function loadGeneratedBars(app: Service, symbol: string, days = 400, seed = 3): Promise<void> {
  const random = seededRandom(seed);
  const start = Date.parse('2020-01-01T00:00:00Z');
  let close = 100;
  const bars = Array.from({ length: days }, (_, day) => {
    const open = close * (1 + (random() - 0.5) * 0.01);
    close = open * (1 + (random() - 0.5) * 0.05);
    return {
      date: new Date(start + day * 86_400_000).toISOString().slice(0, 10),
      open,
      high: Math.max(open, close) * 1.01,
      low: Math.min(open, close) * 0.99,
      close,
    };
  });
  const response = await app.inject({ method: 'POST', url: `/price_bars/${symbol}`, payload: bars });
  if (response.statusCode !== 200) throw new Error(response.body);
}
