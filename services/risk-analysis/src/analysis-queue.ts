import { logEvents } from '@closecross/platform';
import type { FastifyBaseLogger } from 'fastify';
import type { AnalysisRunner } from './analysis-runner.ts';
import type { RiskStateRepository } from './risk-state-repository.ts';

const leaseMs = 30_000;
const maxAttempts = 3;

/**
 * Runs queued analyses (POST /analyses) in this task. The queue is the risk_analysis table:
 * claims take a lease that the runner renews; a task that dies stops renewing, and another task
 * takes the job over once the lease runs out. Results depend only on the request and its seed,
 * so a rerun gives the same numbers.
 */
export class AnalysisQueue {
  private readonly state: RiskStateRepository;
  private readonly runner: AnalysisRunner;
  private readonly log: FastifyBaseLogger;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(state: RiskStateRepository, runner: AnalysisRunner, log: FastifyBaseLogger, options: { concurrency: number; pollMs?: number }) {
    this.state = state;
    this.runner = runner;
    this.log = log;
    this.concurrency = options.concurrency;
    this.pollMs = options.pollMs ?? 1_000;
  }

  start(): void {
    if (this.concurrency === 0) return;
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Looks for work now (after a submission) rather than at the next poll. */
  kick(): void {
    if (this.stopped) return;
    while (this.running < this.concurrency) {
      this.running++;
      const work = this.runNext()
        .catch((error) => this.log.error({ err: error }, 'analysis queue failed'))
        .finally(() => {
          this.running--;
          this.inFlight.delete(work);
        });
      // One claim per free slot; runNext kicks again after finishing a job.
      this.inFlight.add(work);
    }
  }

  private async runNext(): Promise<void> {
    await this.state.failAbandoned(maxAttempts);
    const job = await this.state.claimNext(leaseMs, maxAttempts);
    if (!job) return;
    const renew = setInterval(() => void this.state.renewLease(job.id, leaseMs).catch(() => undefined), leaseMs / 3);
    try {
      const { result, billing } = await this.runner.compute(job.params, {
        onProgress: (fraction) => void this.state.reportProgress(job.id, Math.min(0.99, fraction)).catch(() => undefined),
      });
      await this.state.completeAnalysis(job.id, result, billing, false);
    } catch (error) {
      this.log.warn({ event: logEvents.jobFailed, err: error, analysisId: job.id }, 'analysis failed');
      await this.state.failAnalysis(job.id, (error as Error).message);
    } finally {
      clearInterval(renew);
    }
    setImmediate(() => this.kick());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.inFlight);
  }
}
