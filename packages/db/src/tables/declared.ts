import type { ColumnSpec } from './columns.ts';
import * as dateMapping from './date-mapping.ts';
import * as models from './models.ts';
import * as priceBar1m from './price-bar-1m.ts';
import * as priceBars from './price-bars.ts';
import * as priceLatest from './price-latest.ts';
import * as stockData from './stock-data.ts';

/** Every table with a declared row type and its columns: the schema test compares each with the migrated database. */
export const declaredRows: readonly { table: string; columns: Readonly<Record<string, ColumnSpec>> }[] = [
  { table: priceBars.table, columns: priceBars.columns },
  { table: priceLatest.table, columns: priceLatest.columns },
  { table: priceBar1m.table, columns: priceBar1m.columns },
  { table: dateMapping.table, columns: dateMapping.columns },
  { table: stockData.table, columns: stockData.columns },
  { table: 'model', columns: models.modelColumns },
  { table: 'model_inference', columns: models.inferenceColumns },
];
