/**
 * The risk-analysis service alone in its own process, as a REST client meets it: the bench's client
 * (its requests, the answers, its garbage, and the library's thread it times beside the API) runs in
 * another process and is not charged to this one's event loop and heap. Serves on 127.0.0.1 (auth
 * off: loopback only) and prints its address on one line; closes on SIGTERM.
 * With RISK_BENCH_PHASES=1 it prints a line `phases {…}` per POST /analyse: milliseconds from the
 * request's arrival to the threads begun, the bars read and the plan made, the count of units
 * given to the threads, each thread's end, the merge, the result stored and the answer sent; and each thread's
 * run time over the call (Linux schedstat: on a core, not waiting for one), main thread first.
 * With RISK_BENCH_BEGIN=0 the local threads start only once the plan is made (no LocalBackend.begin).
 * Usage: risk-server.ts <database url>
 */
import { readdirSync, readFileSync } from 'node:fs';
import { marketDataService } from '@closecross/market-data';
import { createPool, createService } from '@closecross/platform';
import { AnalysisRunner } from '../src/analysis/analysis-runner.ts';
import { LocalBackend } from '../src/backends/local-backend.ts';
import { ThreadPool } from '../src/backends/thread-pool.ts';
import { riskAnalysisServiceWith } from '../src/plugin.ts';
import { RiskStateRepository } from '../src/repositories/risk-state-repository.ts';
import { loadRiskConfig } from '../src/risk-config.ts';

const [databaseUrl] = process.argv.slice(2);
if (!databaseUrl) throw new Error('usage: risk-server.ts <database url>');
const pool = createPool({ connectionString: databaseUrl, max: 10 });
const app = await createService({
  name: 'bench',
  modules: [marketDataService, riskAnalysisServiceWith({ config: loadRiskConfig({ RISK_JOB_CONCURRENCY: '0' }) })],
  pool,
  logLevel: 'warn',
  auth: false, // the bench measures the work, not credential checks (loopback only)
});
if (process.env.RISK_BENCH_PHASES === '1') traceAnalysePhases();
// For before/after runs (analyse-phases.ts): the threads start only once the plan is made, as before issue 23's third risk pass.
if (process.env.RISK_BENCH_BEGIN === '0') Reflect.deleteProperty(LocalBackend.prototype, 'begin');
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening ${address} pid ${process.pid}`);
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
});

/** Run time (ns) of each thread of this process, by thread id. */
function threadRunNs(): Map<string, number> {
  return new Map(
    readdirSync('/proc/self/task').flatMap((tid) => {
      try {
        return [[tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0])] as [string, number]];
      } catch {
        return [];
      }
    }),
  );
}

function traceAnalysePhases() {
  // One /analyse at a time (the phases client waits for each answer), so the calls below belong to the current one.
  let started = 0;
  let phases: Record<string, number | number[]> = {};
  let runBefore = new Map<string, number>();
  const at = (name: string) => {
    phases[name] = Math.round((performance.now() - started) * 100) / 100;
  };
  const { prepare, execute } = AnalysisRunner.prototype;
  AnalysisRunner.prototype.prepare = async function (...args) {
    at('prepare');
    const answer = await prepare.apply(this, args);
    at('prepared');
    return answer;
  };
  AnalysisRunner.prototype.execute = async function (...args) {
    at('execute');
    const answer = await execute.apply(this, args);
    at('merged');
    return answer;
  };
  const { begin } = ThreadPool.prototype;
  ThreadPool.prototype.begin = function (...args) {
    at('toThreads');
    const begun = begin.apply(this, args);
    return {
      ...begun,
      finish: async (tasks, onThreadDone) => {
        at('counted');
        const ends: number[] = [];
        const answer = await begun.finish(tasks, () => {
          ends.push(Math.round((performance.now() - started) * 100) / 100);
          onThreadDone?.();
        });
        phases.threadEnds = ends;
        phases.threadBusy = answer.busyMs.map((ms) => Math.round(ms * 100) / 100);
        phases.taken = answer.taken;
        return answer;
      },
    };
  };
  const { createAnalysis, completeAnalysis } = RiskStateRepository.prototype;
  RiskStateRepository.prototype.createAnalysis = async function (...args) {
    at('createRow');
    const answer = await createAnalysis.apply(this, args);
    at('rowCreated');
    return answer;
  };
  RiskStateRepository.prototype.completeAnalysis = async function (...args) {
    at('store');
    const answer = await completeAnalysis.apply(this, args);
    at('stored');
    return answer;
  };
  // On the HTTP server itself, not as Fastify hooks (a root hook added here held app.ready() forever).
  app.server.on('request', (request: { url?: string }, response: { once(event: 'finish', listener: () => void): void }) => {
    if (request.url !== '/analyse') return;
    runBefore = threadRunNs();
    started = performance.now();
    phases = {};
    response.once('finish', () => {
      at('sent');
      const runAfter = threadRunNs();
      const main = String(process.pid);
      const ran = [...runAfter].map(([tid, ns]) => [tid, (ns - (runBefore.get(tid) ?? 0)) / 1e6] as const);
      phases.runMain = Math.round(ran.find(([tid]) => tid === main)![1] * 100) / 100;
      phases.runOthers = ran
        .filter(([tid, ms]) => tid !== main && ms > 0.05)
        .map(([, ms]) => Math.round(ms * 100) / 100)
        .sort((a, b) => b - a);
      console.log(`phases ${JSON.stringify(phases)}`);
    });
  });
}
