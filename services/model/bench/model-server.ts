/**
 * The model service alone in its own process, as a REST client meets it: the bench's client (its
 * requests, their bodies and answers, its garbage) runs in another process and is not charged to
 * this one's event loop and heap. Serves on 127.0.0.1 (auth off: loopback only), prints its address
 * on one line, and on SIGTERM closes and prints its own CPU time.
 * With MODEL_BENCH_PHASES=1 it prints a line `phases {…}` per POST /predict: the epoch milliseconds
 * (performance.timeOrigin + now) of its request (headers read), body read, hand-over to the predict thread, parsed,
 * predicted and answer sent, then the event loop's GC pauses meanwhile by kind (predict-phases.ts reads them).
 * MODEL_BENCH_PREDICT_THREADS sets its predictor's threads.
 * Usage: model-server.ts <database url> <artifact store url>
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PerformanceObserver } from 'node:perf_hooks';
import { jobsModule } from '@closecross/jobs';
import { marketDataService } from '@closecross/market-data';
import { createPool, createService } from '@closecross/platform';
import { artifactStoreFor } from '@closecross/contracts/artifact-writer';
import { loadModelConfig } from '../src/model-config.ts';
import { modelServiceWith } from '../src/plugin.ts';
import { ModelPredictor } from '../src/predict/model-predictor.ts';

const [databaseUrl, storeUrl] = process.argv.slice(2);
if (!databaseUrl || !storeUrl) throw new Error('usage: model-server.ts <database url> <artifact store url>');
// A bench comparing one predict thread with two sets this (the default: two on a host with two cores or more).
if (process.env.MODEL_BENCH_PREDICT_THREADS) ModelPredictor.defaultThreads = Number(process.env.MODEL_BENCH_PREDICT_THREADS);
const pool = createPool({ connectionString: databaseUrl, max: 10 });
const app = await createService({
  name: 'bench',
  modules: [
    marketDataService,
    modelServiceWith({ config: loadModelConfig({ MODEL_JOB_MAINTENANCE_SECONDS: '5' }), store: artifactStoreFor(storeUrl) }),
    jobsModule,
  ],
  pool,
  logLevel: 'warn',
  auth: false, // the bench measures the work, not credential checks (loopback only)
});
if (process.env.MODEL_BENCH_PHASES === '1') tracePredictPhases();
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening ${address}`);
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
});

function tracePredictPhases() {
  const now = () => performance.timeOrigin + performance.now();
  // One request at a time (the phases client waits for each answer), so the predictor's calls belong to the current one.
  let phases: Record<string, number> = {};
  const { parse, predict } = ModelPredictor.prototype;
  ModelPredictor.prototype.parse = async function (...args) {
    phases.toThread = now();
    const answer = await parse.apply(this, args);
    phases.parsed = now();
    return answer;
  };
  ModelPredictor.prototype.predict = async function (...args) {
    phases.toPredict = now();
    const answer = await predict.apply(this, args);
    phases.predicted = now();
    return answer;
  };
  // The event loop's GC pauses while a request is in the service (kind 1: scavenge, 2: mark-compact, 4: incremental marking steps).
  const gcPauses: Record<string, number> = {};
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      const name = kind === 1 ? 'gcScavengeMs' : kind === 2 ? 'gcMarkCompactMs' : kind === 4 ? 'gcIncrementalMs' : 'gcOtherMs';
      gcPauses[name] = (gcPauses[name] ?? 0) + entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  // Fastify hooks added here would stall its start (the platform's routes are already set): the HTTP server's own events.
  app.server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.url !== '/predict') return;
    phases = { request: now() };
    for (const name of Object.keys(gcPauses)) delete gcPauses[name];
    request.once('end', () => (phases.bodyRead = now()));
    response.once('finish', () => console.log(`phases ${JSON.stringify({ ...phases, sent: now() })} ${JSON.stringify(gcPauses)}`));
  });
}
