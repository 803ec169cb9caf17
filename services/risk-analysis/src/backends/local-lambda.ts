import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { InvokeCommand } from '@aws-sdk/client-lambda';
import type { LambdaSender } from './lambda-backend.ts';

const entry = new URL('../lambda/local-runtime-entry.mjs', import.meta.url);

export interface LocalLambdaSettings {
  functionName: string;
  memoryMb: number;
  /** Execution environments at most, as the function's reserved concurrency: past it, invocations are throttled. */
  concurrency: number;
  timeoutSeconds: number;
}

/** What Lambda answers a synchronous invoke past the function's concurrency. */
export class LambdaThrottledError extends Error {
  override readonly name = 'TooManyRequestsException';
}

interface Environment {
  child: ChildProcess;
  busy: boolean;
  ready: Promise<number>;
}

interface Reply {
  id?: string;
  ready?: boolean;
  result?: unknown;
  error?: { errorMessage: string; errorType: string };
  durationMs?: number;
  maxMemoryMb?: number;
}

const encoder = new TextEncoder();

/**
 * Lambda on this machine, at the SDK boundary: the lambda backend sends it the same InvokeCommand
 * it sends AWS. Each concurrent invocation runs in an execution environment of its own (a process
 * running the deployable handler, with the function's memory as its heap limit); an idle one is
 * reused warm, a new one starts cold, and past `concurrency` the call is throttled. Each answer
 * carries Lambda's log tail, whose REPORT line bills the handler's duration rounded up to the ms.
 */
export class LocalLambdaRuntime implements LambdaSender {
  private readonly settings: LocalLambdaSettings;
  private readonly environments = new Set<Environment>();
  private closed = false;

  constructor(settings: LocalLambdaSettings) {
    this.settings = settings;
  }

  async send(command: InvokeCommand) {
    if (this.closed) throw new Error('the local Lambda runtime is closed');
    const payload = command.input.Payload;
    const event = JSON.parse(payload === undefined ? '{}' : typeof payload === 'string' ? payload : Buffer.from(payload as Uint8Array).toString('utf8'));
    const environment = this.acquire();
    const requestId = randomUUID();
    try {
      const initMs = await environment.ready;
      const reply = await this.invoke(environment, requestId, event);
      const durationMs = reply.durationMs ?? 0;
      const report = [
        `START RequestId: ${requestId} Version: $LATEST`,
        `END RequestId: ${requestId}`,
        `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(durationMs))} ms\tMemory Size: ${this.settings.memoryMb} MB\tMax Memory Used: ${Math.ceil(reply.maxMemoryMb ?? 0)} MB${initMs > 0 ? `\tInit Duration: ${initMs.toFixed(2)} ms` : ''}`,
      ].join('\n');
      const payload = reply.error ?? reply.result ?? null;
      return {
        StatusCode: 200,
        Payload: encoder.encode(JSON.stringify(payload)),
        LogResult: Buffer.from(report).toString('base64'),
        ...(reply.error ? { FunctionError: 'Unhandled' } : {}),
      };
    } finally {
      environment.busy = false;
    }
  }

  /** Stops every execution environment; invocations in flight fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.environments].map((environment) => this.stop(environment)));
  }

  /** Environments alive now (warm ones included). */
  get size(): number {
    return this.environments.size;
  }

  private acquire(): Environment {
    for (const environment of this.environments) {
      if (!environment.busy) {
        environment.busy = true;
        return environment;
      }
    }
    if (this.environments.size >= this.settings.concurrency) {
      throw new LambdaThrottledError(
        `Rate Exceeded: ${this.settings.functionName} already runs ${this.settings.concurrency} invocations (RISK_LAMBDA_LOCAL_CONCURRENCY)`,
      );
    }
    const started = performance.now();
    const child = fork(entry, [], {
      execArgv: [`--max-old-space-size=${this.settings.memoryMb}`],
      env: { PATH: process.env.PATH, AWS_LAMBDA_FUNCTION_NAME: this.settings.functionName, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.settings.memoryMb) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const ready = new Promise<number>((resolve, reject) => {
      const onMessage = (message: Reply) => {
        if (!message.ready) return;
        child.off('message', onMessage);
        resolve(performance.now() - started);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`the Lambda execution environment exited during init (code ${code})`)));
    });
    ready.catch(() => {});
    const environment: Environment = { child, busy: true, ready };
    this.environments.add(environment);
    child.once('exit', () => this.environments.delete(environment));
    return environment;
  }

  private invoke(environment: Environment, id: string, event: unknown): Promise<Reply> {
    const { child } = environment;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        finish({
          error: { errorMessage: `Task timed out after ${this.settings.timeoutSeconds.toFixed(2)} seconds`, errorType: 'Sandbox.Timedout' },
          durationMs: this.settings.timeoutSeconds * 1000,
        });
        void this.stop(environment);
      }, this.settings.timeoutSeconds * 1000);
      const onMessage = (message: Reply) => {
        if (message.id === id) finish(message);
      };
      const onExit = (code: number | null) =>
        finish({ error: { errorMessage: `the execution environment exited (code ${code})`, errorType: 'Runtime.ExitError' } });
      function finish(reply: Reply) {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(reply);
      }
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ id, event });
    });
  }

  private async stop(environment: Environment): Promise<void> {
    this.environments.delete(environment);
    if (environment.child.exitCode !== null || environment.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      environment.child.once('exit', () => resolve());
      environment.child.kill('SIGKILL');
    });
  }
}
