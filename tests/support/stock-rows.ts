/** Deterministic, realistic-looking auction rows for tests and benchmarks (no real data committed). */
export interface GeneratedStockRow {
  stock_id: number;
  date_id: number;
  seconds_in_bucket: number;
  imbalance_size: number;
  imbalance_buy_sell_flag: number;
  reference_price: number;
  matched_size: number;
  far_price: number | null;
  near_price: number | null;
  bid_price: number;
  bid_size: number;
  ask_price: number;
  ask_size: number;
  wap: number;
  target: number | null;
  time_id: number;
  row_id: string;
}

/** mulberry32: a tiny seeded generator so fixtures are the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateStockRows(options: { dateIds: number[]; stocks: number; buckets?: number; seed?: number }): GeneratedStockRow[] {
  const random = seededRandom(options.seed ?? 1);
  const buckets = options.buckets ?? 55;
  const rows: GeneratedStockRow[] = [];
  for (const dateId of options.dateIds) {
    for (let bucket = 0; bucket < buckets; bucket++) {
      const seconds = bucket * 10;
      for (let stock = 0; stock < options.stocks; stock++) {
        const reference = 1 + (random() - 0.5) * 0.01;
        const spread = 0.0001 + random() * 0.0005;
        const bidSize = Math.round(random() * 100_000);
        const askSize = Math.round(random() * 100_000);
        const bid = reference - spread / 2;
        const ask = reference + spread / 2;
        rows.push({
          stock_id: stock,
          date_id: dateId,
          seconds_in_bucket: seconds,
          imbalance_size: Math.round(random() * 5_000_000),
          imbalance_buy_sell_flag: Math.floor(random() * 3) - 1,
          reference_price: reference,
          matched_size: Math.round(random() * 50_000_000),
          far_price: seconds >= 300 ? reference + (random() - 0.5) * 0.002 : null,
          near_price: seconds >= 300 ? reference + (random() - 0.5) * 0.001 : null,
          bid_price: bid,
          bid_size: bidSize,
          ask_price: ask,
          ask_size: askSize,
          wap: bidSize + askSize === 0 ? reference : (bid * askSize + ask * bidSize) / (bidSize + askSize),
          target: (random() - 0.5) * 20,
          time_id: dateId * buckets + bucket,
          row_id: `${dateId}_${seconds}_${stock}`,
        });
      }
    }
  }
  return rows;
}
