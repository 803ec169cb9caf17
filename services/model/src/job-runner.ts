import type { Pool } from '@closecross/db';
import { logEvents } from '@closecross/platform';
import type { FastifyBaseLogger } from 'fastify';
import PgBoss from 'pg-boss';
import type { JobKind, JobRepository } from './job-repository.ts';
import { JobInputError, runInference, runTraining, type InferenceRequest, type TrainRequest } from './model-jobs.ts';
import type { ModelConfig } from './model-config.ts';
import type { ArtifactStore } from './store/artifact-store.ts';

const queue = 'model-jobs';

/**
 * Durable jobs on pg-boss: the queue lives in Postgres, any model task takes the next job, a job
 * whose task died is expired and retried after MODEL_JOB_EXPIRE_SECONDS, and a failed one is
 * retried MODEL_JOB_RETRIES times. Status, stage and progress are in `model_job`; only the
 * latest attempt of a job can complete it, so none completes twice.
 */
export class JobRunner {
  private readonly boss: PgBoss;
  private readonly deps: { pool: Pool; jobs: JobRepository; store: ArtifactStore; config: ModelConfig; log: FastifyBaseLogger };
  private started = false;

  constructor(deps: { pool: Pool; jobs: JobRepository; store: ArtifactStore; config: ModelConfig; log: FastifyBaseLogger }) {
    this.deps = deps;
    // The queue shares the service's pool: one set of credentials (DATABASE_URL or the RDS secret).
    this.boss = new PgBoss({
      db: { executeSql: (text, values) => deps.pool.query(text, values) },
      schema: 'pgboss',
      maintenanceIntervalSeconds: deps.config.MODEL_JOB_MAINTENANCE_SECONDS,
      monitorStateIntervalSeconds: Math.max(1, deps.config.MODEL_JOB_MAINTENANCE_SECONDS),
    });
    this.boss.on('error', (error) => deps.log.error({ err: error }, 'job queue error'));
  }

  async start(): Promise<void> {
    await this.boss.start();
    await this.boss.createQueue(queue, {
      name: queue,
      retryLimit: this.deps.config.MODEL_JOB_RETRIES,
      retryDelay: 1,
      expireInSeconds: this.deps.config.MODEL_JOB_EXPIRE_SECONDS,
    });
    this.started = true;
    for (let worker = 0; worker < this.deps.config.MODEL_JOB_CONCURRENCY; worker++) {
      await this.boss.work<{ jobId: string }>(queue, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => this.run(job!.data.jobId, job!.id));
    }
  }

  async submit(kind: JobKind, request: object): Promise<string> {
    const jobId = await this.deps.jobs.create(kind, request);
    await this.boss.send(queue, { jobId }, { retryLimit: this.deps.config.MODEL_JOB_RETRIES, expireInSeconds: this.deps.config.MODEL_JOB_EXPIRE_SECONDS });
    return jobId;
  }

  private async run(jobId: string, queueJobId: string): Promise<void> {
    const { jobs, pool, store, config, log } = this.deps;
    const job = await jobs.find(jobId);
    if (!job || job.status === 'succeeded') return;
    const attempt = await jobs.start(jobId);
    if (attempt === undefined) return;
    const report = (stage: string, progress: number) => void jobs.report(jobId, attempt, stage, progress).catch(() => undefined);
    try {
      const outcome =
        job.kind === 'train'
          ? await runTraining(pool, store, job.request as unknown as TrainRequest, report, config.MODEL_TRAIN_THREADS)
          : await runInference(pool, store, job.request as unknown as InferenceRequest, report);
      const won = await jobs.succeed(jobId, attempt, outcome.result, outcome.metrics);
      if (!won) log.warn({ jobId, attempt }, 'a later attempt owns this job; this result is dropped');
    } catch (error) {
      const message = (error as Error).message;
      const final = error instanceof JobInputError || attempt > config.MODEL_JOB_RETRIES;
      await jobs.fail(jobId, attempt, message, final);
      log.warn({ event: final ? logEvents.jobFailed : logEvents.jobAttemptFailed, err: error, jobId, queueJobId }, 'model job failed');
      // Input errors are final; anything else goes back to the queue for a retry.
      if (!final) throw error;
    }
  }

  async stop(): Promise<void> {
    if (this.started) await this.boss.stop({ graceful: true, wait: true, timeout: 8_000 });
  }
}
