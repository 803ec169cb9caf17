/**
 * The price path assumed inside a bar: open, then the extreme nearer the open, then the other
 * extreme, then close (a tie goes to the high first). This is the rule nautilus_trader and LEAN
 * use in spirit: the market is assumed to move the short way first, so a stop and a take-profit
 * hit in the same bar resolve by which is nearer the open. Positions on the path are numbers from
 * 0 (the open) to 3 (the close): segment i runs from point i to point i+1.
 */
export type OhlcPath = readonly [number, number, number, number];

export function ohlcPath(open: number, high: number, low: number, close: number): OhlcPath {
  return fillOhlcPath([0, 0, 0, 0], open, high, low, close);
}

/** The same, written into a scratch array (the exchange reuses one, so a bar allocates nothing). */
export function fillOhlcPath(target: [number, number, number, number], open: number, high: number, low: number, close: number): OhlcPath {
  const highFirst = high - open <= open - low;
  target[0] = open;
  target[1] = highFirst ? high : low;
  target[2] = highFirst ? low : high;
  target[3] = close;
  return target;
}

/**
 * The first position at or after `from` where the price reaches `level` moving `direction`
 * ('up': price >= level; 'down': price <= level), or -1. At `from` itself the price counts as
 * reached when it is already past the level (a gap at the open).
 */
export function firstTouch(path: OhlcPath, level: number, direction: 'up' | 'down', from = 0): number {
  const segment = Math.floor(from);
  const start = priceAt(path, from);
  if (direction === 'up' ? start >= level : start <= level) return from;
  for (let i = segment; i < 3; i++) {
    const a = i === segment ? start : path[i]!;
    const b = path[i + 1]!;
    if (direction === 'up' ? b >= level && a < level : b <= level && a > level) {
      const base = i === segment ? from : i;
      const end = i + 1;
      return base + ((level - a) / (b - a)) * (end - base);
    }
  }
  return -1;
}

/** The price at a position on the path (linear within a segment). */
export function priceAt(path: OhlcPath, position: number): number {
  if (position >= 3) return path[3];
  const i = Math.floor(position);
  const a = path[i]!;
  const b = path[i + 1]!;
  return a + (b - a) * (position - i);
}
