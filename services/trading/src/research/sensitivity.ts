/**
 * Parameter sensitivity as data the dashboard plots: the objective against each searched
 * parameter (every trial, and per value or bin), and a two-parameter grid of the best objective
 * per cell for a heat map.
 */
import type { SearchDimension } from './search-space.ts';
import type { TrialRow } from '../store/trading-research-trial.ts';

const maxBins = 20;

/** Values of a dimension in cells: choices as they are, numbers as themselves when few, else up to 20 bins (value = the bin's centre). */
function cellsOf(dimension: SearchDimension, values: readonly unknown[]): { keys: unknown[]; cellOf: (value: unknown) => number } {
  if (dimension.kind === 'choice') return { keys: dimension.values, cellOf: (value) => dimension.values.indexOf(value as never) };
  const distinct = [...new Set(values.filter((value): value is number => typeof value === 'number'))].sort((a, b) => a - b);
  if (distinct.length <= maxBins) return { keys: distinct, cellOf: (value) => distinct.indexOf(value as number) };
  const width = (dimension.max - dimension.min) / maxBins || 1;
  const keys = Array.from({ length: maxBins }, (_, index) => Number((dimension.min + (index + 0.5) * width).toPrecision(6)));
  return { keys, cellOf: (value) => Math.min(maxBins - 1, Math.max(0, Math.floor(((value as number) - dimension.min) / width))) };
}

export function sensitivityOf(dimensions: readonly SearchDimension[], rows: readonly TrialRow[], heatmap: [string, string] | undefined) {
  const scored = rows.filter((row) => row.status === 'succeeded' && row.objective !== null && row.feasible && row.phase === 'search');
  const parameters = dimensions.map((dimension) => {
    const { keys, cellOf } = cellsOf(
      dimension,
      scored.map((row) => row.params[dimension.name]),
    );
    const cells = keys.map(() => ({ trials: 0, sum: 0, best: Number.NEGATIVE_INFINITY }));
    for (const row of scored) {
      const cell = cells[cellOf(row.params[dimension.name])];
      if (!cell) continue;
      cell.trials++;
      cell.sum += row.objective!;
      cell.best = Math.max(cell.best, row.objective!);
    }
    return {
      name: dimension.name,
      points: scored.map((row) => ({ value: row.params[dimension.name], objective: row.objective! })),
      by_value: keys.flatMap((value, index) =>
        cells[index]!.trials > 0 ? [{ value, trials: cells[index]!.trials, mean: cells[index]!.sum / cells[index]!.trials, best: cells[index]!.best }] : [],
      ),
    };
  });
  const [xName, yName] = heatmap ?? [dimensions[0]?.name, dimensions[1]?.name];
  const x = dimensions.find((dimension) => dimension.name === xName);
  const y = dimensions.find((dimension) => dimension.name === yName);
  if (!x || !y || x === y) return { parameters, heatmap: null };
  const xCells = cellsOf(
    x,
    scored.map((row) => row.params[x.name]),
  );
  const yCells = cellsOf(
    y,
    scored.map((row) => row.params[y.name]),
  );
  const best: (number | null)[][] = yCells.keys.map(() => xCells.keys.map(() => null));
  for (const row of scored) {
    const column = xCells.cellOf(row.params[x.name]);
    const line = yCells.cellOf(row.params[y.name]);
    const current = best[line]?.[column];
    if (current === undefined) continue;
    if (current === null || row.objective! > current) best[line]![column] = row.objective!;
  }
  return { parameters, heatmap: { x: x.name, y: y.name, x_values: xCells.keys, y_values: yCells.keys, best } };
}
