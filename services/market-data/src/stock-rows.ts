/** The auction-row contract other services share: one schema and one upsert for every writer. */
export { StockRow, type StockRow as StockRowType } from './schemas/stock-data.ts';
export { prepareRows, rowIdOf, RowError, upsertStockRows } from './repositories/stock-data-repository.ts';
