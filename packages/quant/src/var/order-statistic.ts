/**
 * Rearranges `values[from..to)` so that `values[k]` holds the value a full sort would put there,
 * with nothing larger before it and nothing smaller after (Hoare's selection, median-of-three
 * pivots): expected O(n), no sort.
 */
export function selectInPlace(values: Float64Array, k: number, from = 0, to = values.length): number {
  let left = from;
  let right = to - 1;
  while (right > left) {
    const middle = (left + right) >>> 1;
    // Median of three as the pivot, moved to `right`.
    if (values[middle]! < values[left]!) swap(values, middle, left);
    if (values[right]! < values[left]!) swap(values, right, left);
    if (values[middle]! < values[right]!) swap(values, middle, right);
    const pivot = values[right]!;
    let store = left;
    for (let i = left; i < right; i++) {
      if (values[i]! < pivot) swap(values, i, store++);
    }
    swap(values, store, right);
    if (store === k) return values[k]!;
    if (store < k) left = store + 1;
    else right = store - 1;
  }
  return values[k]!;
}

function swap(values: Float64Array, i: number, j: number): void {
  const held = values[i]!;
  values[i] = values[j]!;
  values[j] = held;
}
