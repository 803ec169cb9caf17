export * from './bars/daily-bar.ts';
export * from './bars/yahoo-csv.ts';
