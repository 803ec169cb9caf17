import { parentPort, workerData } from 'node:worker_threads';
import { analyse, BarSeries, type AnalysisParams, type DailyBar } from '@closecross/quant';

// Runs the library's whole analyse (plan, every resource's Monte Carlo one after the other, merge)
// in this one thread, on the bars it was started with; answers the averages to check against the API.
const series = BarSeries.from(workerData as DailyBar[]);
parentPort!.on('message', (params: AnalysisParams) => {
  const result = analyse(series, params);
  parentPort!.postMessage({ var95: result.averageVar95, var99: result.averageVar99 });
});
