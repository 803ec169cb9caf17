import { Booster } from '@closecross/xgboost';

/** Loaded boosters by model id, the least recently used dropped past `size`: /predict skips the store. */
export class ModelCache {
  private readonly boosters = new Map<number, Booster>();
  private readonly size: number;
  constructor(size = 8) {
    this.size = size;
  }
  async get(modelId: number, load: () => Promise<Buffer>): Promise<Booster> {
    const cached = this.boosters.get(modelId);
    if (cached) {
      this.boosters.delete(modelId);
      this.boosters.set(modelId, cached);
      return cached;
    }
    const booster = Booster.load(await load());
    this.boosters.set(modelId, booster);
    if (this.boosters.size > this.size) {
      const [oldest, evicted] = this.boosters.entries().next().value as [number, Booster];
      this.boosters.delete(oldest);
      evicted.free();
    }
    return booster;
  }
  clear(): void {
    for (const booster of this.boosters.values()) booster.free();
    this.boosters.clear();
  }
}
