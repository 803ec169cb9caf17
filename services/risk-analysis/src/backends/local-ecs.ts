import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { DescribeTasksCommand, RunTaskCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import type { EcsSender } from './ecs-backend.ts';

const entry = new URL('../worker/local-worker-entry.mjs', import.meta.url);

export interface LocalEcsSettings {
  /** The token the workers accept; without one they run with sign-in off, on loopback only. */
  serviceToken?: string | undefined;
  logLevel?: string;
}

interface LocalTask {
  arn: string;
  child: ChildProcess;
  port: number;
  createdAt: Date;
  startedAt?: Date;
  stoppedAt?: Date;
  healthy: boolean;
  stopping: boolean;
  stoppedReason?: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * ECS on this machine, at the SDK boundary: RunTask starts the real VaR worker entry
 * (src/worker/server.ts) as a local process on a port of its own, DescribeTasks reports it
 * PROVISIONING until its /health answers, then RUNNING and HEALTHY with its address, StopTask
 * stops it (SIGTERM, then STOPPED once it has exited). The ecs backend drives it exactly as it
 * drives Fargate, so /scaled_ready waits for the processes and /terminate stops them.
 */
export class LocalEcsCluster implements EcsSender {
  private readonly settings: LocalEcsSettings;
  private readonly tasks = new Map<string, LocalTask>();

  constructor(settings: LocalEcsSettings = {}) {
    this.settings = settings;
  }

  async send(command: RunTaskCommand | DescribeTasksCommand | StopTaskCommand): Promise<any> {
    if (command instanceof RunTaskCommand) {
      const started: Task[] = [];
      for (let index = 0; index < (command.input.count ?? 1); index++) started.push(this.view(await this.start(command.input.cluster ?? 'default')));
      return { tasks: started, failures: [] };
    }
    if (command instanceof DescribeTasksCommand) {
      const arns = command.input.tasks ?? [];
      const known = arns.flatMap((arn) => (this.tasks.has(arn) ? [this.view(this.tasks.get(arn)!)] : []));
      const failures = arns.filter((arn) => !this.tasks.has(arn)).map((arn) => ({ arn, reason: 'MISSING' }));
      return { tasks: known, failures };
    }
    if (command instanceof StopTaskCommand) {
      const task = this.tasks.get(command.input.task ?? '');
      if (!task) throw new Error(`InvalidParameterException: The referenced task was not found: ${command.input.task}`);
      this.stop(task, command.input.reason ?? 'stopped');
      return { task: this.view(task) };
    }
    throw new Error('the local ECS stand-in handles RunTask, DescribeTasks and StopTask only');
  }

  /** Stops every worker and waits for them to exit. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.tasks.values()].map(
        (task) =>
          new Promise<void>((resolve) => {
            if (task.child.exitCode !== null || task.child.signalCode !== null) return resolve();
            task.child.once('exit', () => resolve());
            this.stop(task, 'the risk service stopped');
          }),
      ),
    );
  }

  /** Workers whose process is alive. */
  get running(): number {
    return [...this.tasks.values()].filter((task) => task.child.exitCode === null && task.child.signalCode === null).length;
  }

  private async start(cluster: string): Promise<LocalTask> {
    const port = await freePort();
    const auth = this.settings.serviceToken ? { SERVICE_TOKEN: this.settings.serviceToken } : { AUTH_DISABLED: 'true' };
    const child = fork(entry, [], {
      execArgv: [],
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: this.settings.logLevel ?? 'warn', ...auth },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const task: LocalTask = {
      arn: `arn:local:ecs:127.0.0.1:task/${cluster}/${randomUUID()}`,
      child,
      port,
      createdAt: new Date(),
      healthy: false,
      stopping: false,
    };
    this.tasks.set(task.arn, task);
    child.once('exit', (code, signal) => {
      task.stoppedAt = new Date();
      task.healthy = false;
      task.stoppedReason ??= `Essential container in task exited (${signal ?? `code ${code}`})`;
    });
    void this.watchHealth(task);
    return task;
  }

  private async watchHealth(task: LocalTask): Promise<void> {
    while (!task.stoppedAt && !task.stopping) {
      try {
        const response = await fetch(`http://127.0.0.1:${task.port}/health`, { signal: AbortSignal.timeout(1000) });
        if (response.ok) {
          task.startedAt ??= new Date();
          task.healthy = true;
          return;
        }
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100).unref());
    }
  }

  private stop(task: LocalTask, reason: string): void {
    if (task.stopping) return;
    task.stopping = true;
    task.stoppedReason = reason;
    if (task.child.exitCode !== null || task.child.signalCode !== null) return;
    task.child.kill('SIGTERM');
    // A worker that does not leave within 10 s is killed, as ECS does after its stop timeout.
    setTimeout(() => task.child.kill('SIGKILL'), 10_000).unref();
  }

  private view(task: LocalTask): Task {
    const lastStatus = task.stoppedAt ? 'STOPPED' : task.stopping ? 'DEACTIVATING' : task.healthy ? 'RUNNING' : 'PROVISIONING';
    return {
      taskArn: task.arn,
      lastStatus,
      desiredStatus: task.stopping || task.stoppedAt ? 'STOPPED' : 'RUNNING',
      healthStatus: task.healthy ? 'HEALTHY' : 'UNKNOWN',
      createdAt: task.createdAt,
      ...(task.startedAt ? { startedAt: task.startedAt } : {}),
      ...(task.stoppedAt ? { stoppedAt: task.stoppedAt, stoppedReason: task.stoppedReason } : {}),
      attachments: [{ type: 'ElasticNetworkInterface', status: 'ATTACHED', details: [{ name: 'privateIPv4Address', value: '127.0.0.1' }] }],
      containers: [{ name: 'var-worker', networkBindings: [{ bindIP: '127.0.0.1', hostPort: task.port, containerPort: task.port }] }],
    };
  }
}
