/**
 * The highest rate a system holds, by trials: doubling from `from` while each rate is held (down by
 * halves first, if even `from` is not), then bisecting `steps` times between the last rate held and
 * the first missed, to the nearest `grain`. Answers 0 when nothing down to `floor` is held.
 */
export async function searchCapacity(
  holds: (rate: number) => Promise<boolean>,
  options: { from: number; ceiling: number; steps: number; grain?: number; floor?: number },
): Promise<number> {
  const grain = options.grain ?? 100;
  const floor = options.floor ?? 100;
  let missed = 0;
  let rate = Math.min(options.from, options.ceiling);
  while (!(await holds(rate))) {
    missed = rate;
    rate = Math.floor(rate / 2);
    if (rate < floor) return 0;
  }
  let held = rate;
  while (missed === 0) {
    rate = Math.min(options.ceiling, held * 2);
    if (rate === held) return held; // held at the ceiling the bench offers
    if (await holds(rate)) held = rate;
    else missed = rate;
  }
  for (let step = 0; step < options.steps; step++) {
    rate = Math.round((held + missed) / 2 / grain) * grain;
    if (rate <= held || rate >= missed) break;
    if (await holds(rate)) held = rate;
    else missed = rate;
  }
  return held;
}
