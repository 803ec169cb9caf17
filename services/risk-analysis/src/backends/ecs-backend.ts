import { DescribeTasksCommand, RunTaskCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import type { MonteCarloPart, MonteCarloTask } from '@closecross/quant';
import { sampleCall, type ComputeBackend, type RunOutcome, type WorkerRecord } from './compute-backend.ts';

type EcsCommand = RunTaskCommand | DescribeTasksCommand | StopTaskCommand;

/** The part of the ECS client we use; tests pass a stub of this shape. */
export interface EcsSender {
  send(command: EcsCommand): Promise<any>;
}

export interface EcsSettings {
  cluster: string;
  taskDefinition: string;
  subnets: string[];
  securityGroups: string[];
  workerPort: number;
  vcpu: number;
  memoryGb: number;
  vcpuHourUsd: number;
  gbHourUsd: number;
  /** The workers' bearer token (SERVICE_TOKEN): a worker listening beyond loopback refuses calls without it. */
  serviceToken?: string | undefined;
}

/** What calling a worker over HTTP looks like; tests may pass their own fetch. */
export type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

const runTaskBatch = 10; // RunTask starts at most 10 tasks per call

/**
 * r Fargate tasks of the VaR worker (started with RunTask), each serving the resource tasks
 * over HTTP. Ready when every task is RUNNING and, where it has a health check, HEALTHY.
 * Billing: Fargate's vCPU-hour and GB-hour rates over each worker's measured busy time.
 */
export class EcsBackend implements ComputeBackend {
  readonly name = 'ecs' as const;
  private readonly client: EcsSender;
  private readonly settings: EcsSettings;
  private readonly fetchWorker: Fetch;

  constructor(client: EcsSender, settings: EcsSettings, fetchWorker: Fetch = fetch as unknown as Fetch) {
    this.client = client;
    this.settings = settings;
    this.fetchWorker = fetchWorker;
  }

  private costOf(ms: number): number {
    const hours = ms / 3_600_000;
    return hours * (this.settings.vcpu * this.settings.vcpuHourUsd + this.settings.memoryGb * this.settings.gbHourUsd);
  }

  async warmup(resources: number) {
    const workers: WorkerRecord[] = [];
    try {
      await this.startWorkers(resources, workers);
    } catch (error) {
      // Workers started before the failure would run (and bill) unseen.
      await this.terminate(workers).catch(() => {});
      throw error;
    }
    // Fargate bills from start to stop; the start-up time is added once the tasks are running.
    return { workers, billableMs: 0, cost: 0 };
  }

  private async startWorkers(resources: number, workers: WorkerRecord[]): Promise<void> {
    for (let started = 0; started < resources; started += runTaskBatch) {
      const response = await this.client.send(
        new RunTaskCommand({
          cluster: this.settings.cluster,
          taskDefinition: this.settings.taskDefinition,
          launchType: 'FARGATE',
          count: Math.min(runTaskBatch, resources - started),
          startedBy: 'closecross-risk',
          networkConfiguration: {
            awsvpcConfiguration: { subnets: this.settings.subnets, securityGroups: this.settings.securityGroups, assignPublicIp: 'DISABLED' },
          },
        }),
      );
      if (response.failures?.length) {
        throw new Error(`ECS RunTask failed: ${response.failures.map((failure: { reason?: string }) => failure.reason).join(', ')}`);
      }
      for (const task of response.tasks ?? []) workers.push({ id: task.taskArn });
    }
  }

  private async describe(workers: WorkerRecord[]): Promise<Task[]> {
    if (workers.length === 0) return [];
    const response = await this.client.send(new DescribeTasksCommand({ cluster: this.settings.cluster, tasks: workers.map((worker) => worker.id) }));
    return response.tasks ?? [];
  }

  private urlOf(task: Task): string | undefined {
    const detail = task.attachments?.flatMap((attachment) => attachment.details ?? []).find((entry) => entry.name === 'privateIPv4Address');
    // Fargate tasks listen on the worker port; a task with a host port binding (the local stand-in) on that.
    const port = task.containers?.[0]?.networkBindings?.[0]?.hostPort ?? this.settings.workerPort;
    return detail?.value ? `http://${detail.value}:${port}` : undefined;
  }

  async isReady(workers: WorkerRecord[]) {
    const tasks = await this.describe(workers);
    const ready =
      tasks.length === workers.length &&
      // A task with a container health check is ready once HEALTHY (UNKNOWN means not yet checked).
      tasks.every((task) => task.lastStatus === 'RUNNING' && (task.healthStatus === undefined || task.healthStatus === 'HEALTHY'));
    const updated = workers.map((worker) => {
      const task = tasks.find((candidate) => candidate.taskArn === worker.id);
      const url = task ? this.urlOf(task) : undefined;
      const startedAt = task?.startedAt ? new Date(task.startedAt).toISOString() : undefined;
      return {
        ...worker,
        ...(url ? { url } : {}),
        ...(startedAt ? { startedAt } : {}),
        ...(task?.createdAt ? { createdAt: new Date(task.createdAt).toISOString() } : {}),
      };
    });
    return { ready, workers: updated };
  }

  /** The start-up time Fargate billed for the workers: from creation to running. */
  startupBilling(workers: (WorkerRecord & { createdAt?: string })[]) {
    const billableMs = workers.reduce((sum, worker) => {
      if (!worker.createdAt || !worker.startedAt) return sum;
      return sum + Math.max(0, Date.parse(worker.startedAt) - Date.parse(worker.createdAt));
    }, 0);
    return { billableMs, cost: this.costOf(billableMs) };
  }

  endpoints(workers: WorkerRecord[]): Record<string, string> {
    return Object.fromEntries(
      workers.flatMap((worker) => (worker.url ? [[`${worker.url}/calculate_var9599`, sampleCall(`${worker.url}/calculate_var9599`)]] : [])),
    );
  }

  async run(tasks: MonteCarloTask[], workers: WorkerRecord[], onPartDone?: () => void): Promise<RunOutcome> {
    const urls = workers.map((worker) => worker.url).filter((url): url is string => Boolean(url));
    if (urls.length === 0) throw new Error('no ECS worker has an address yet');
    const { serviceToken } = this.settings;
    const headers = { 'content-type': 'application/json', ...(serviceToken ? { authorization: `Bearer ${serviceToken}` } : {}) };
    const outcomes = await Promise.all(
      tasks.map(async (task, index) => {
        const url = `${urls[index % urls.length]}/monte-carlo-task`;
        const started = performance.now();
        const response = await this.fetchWorker(url, { method: 'POST', headers, body: JSON.stringify(task) });
        if (response.status === 401) throw new Error(`worker ${url} answered 401: this service's SERVICE_TOKEN is not the one the workers were started with`);
        if (!response.ok) throw new Error(`worker ${url} answered ${response.status}`);
        const body = (await response.json()) as { part: MonteCarloPart };
        onPartDone?.();
        return { part: body.part, ms: performance.now() - started };
      }),
    );
    const billableMs = outcomes.reduce((sum, outcome) => sum + outcome.ms, 0);
    return { parts: outcomes.map((outcome) => outcome.part), billableMs, cost: this.costOf(billableMs) };
  }

  async terminate(workers: WorkerRecord[]): Promise<void> {
    await Promise.all(
      workers.map((worker) => this.client.send(new StopTaskCommand({ cluster: this.settings.cluster, task: worker.id, reason: 'closecross risk /terminate' }))),
    );
  }

  async isTerminated(workers: WorkerRecord[]): Promise<boolean> {
    const tasks = await this.describe(workers);
    return tasks.every((task) => task.lastStatus === 'STOPPED');
  }
}
