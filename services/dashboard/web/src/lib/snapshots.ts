import type { paths } from '@closecross/client';

/** One daily snapshot as GET /trading/snapshots answers it (typed from the OpenAPI document). */
export type Snapshot = paths['/trading/snapshots']['get']['responses'][200]['content']['application/json']['snapshots'][number];

/**
 * The scopes the trading service writes: `total` (the whole book, manual orders included),
 * `manual` (orders placed without a strategy) and `strategy:<id>`. Taken from the OpenAPI type
 * once the API narrows it; while the API says only `string`, these are the values its snapshot
 * job documents. Either way a comparison with a scope that does not exist (the Overview once
 * looked for `'portfolio'`) does not compile.
 */
export type SnapshotScope = string extends Snapshot['scope'] ? 'total' | 'manual' | `strategy:${number}` : Snapshot['scope'];

export const totalScope = 'total' satisfies SnapshotScope;

/** A snapshot's scope, typed: an unknown one is an error, never silently "no snapshot". */
export function scopeOf(snapshot: Pick<Snapshot, 'scope'>): SnapshotScope {
  const scope = snapshot.scope;
  if (scope === totalScope || scope === 'manual' || /^strategy:\d+$/.test(scope)) return scope as SnapshotScope;
  throw new Error(`a daily snapshot has the scope ${JSON.stringify(scope)}; the dashboard knows total, manual and strategy:<id>`);
}

/** The book's snapshots (scope total), oldest first. */
export const totalSnapshots = (snapshots: readonly Snapshot[]): Snapshot[] =>
  snapshots.filter((snapshot) => scopeOf(snapshot) === totalScope).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));

/** The latest equity of the whole book, or null before the first snapshot. */
export const latestEquity = (snapshots: readonly Snapshot[]): { equity: number; date: string } | null => {
  const latest = totalSnapshots(snapshots).at(-1);
  return latest ? { equity: latest.equity, date: latest.date } : null;
};
