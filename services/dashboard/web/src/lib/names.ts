/** Strategy ids to the names people gave them; the manual book (no strategy) says so. */
export function strategyNamer(strategies: readonly { id: number; name: string }[] | undefined): (id: number | null | undefined) => string {
  const names = new Map((strategies ?? []).map((strategy) => [strategy.id, strategy.name]));
  return (id) => (id == null || id === 0 ? 'manual' : (names.get(id) ?? `strategy #${id}`));
}
