import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { MonteCarloPart, MonteCarloTask } from '@closecross/quant';
import { shellQuote, type ComputeBackend, type RunOutcome, type WorkerRecord } from './compute-backend.ts';

/** The part of the Lambda client we use; tests pass a stub of this shape. */
export interface LambdaSender {
  send(
    command: InvokeCommand,
  ): Promise<{ Payload?: Uint8Array | undefined; FunctionError?: string | undefined; LogResult?: string | undefined; StatusCode?: number | undefined }>;
}

export interface LambdaPricing {
  memoryMb: number;
  gbSecondUsd: number;
  requestUsd: number;
}

const decoder = new TextDecoder();

/** Lambda's own figure from the log tail ("Billed Duration: 12 ms"), when it sent one. */
function billedDurationMs(logResult: string | undefined): number | undefined {
  if (!logResult) return undefined;
  const match = /Billed Duration: (\d+(?:\.\d+)?) ms/.exec(Buffer.from(logResult, 'base64').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

/**
 * r concurrent invocations of the VaR function, one resource task each. Billing uses Lambda's
 * billed duration per invocation (or the handler's own busy time, rounded up to the ms, when
 * the log tail is missing) at the configured memory, plus the per-request price.
 */
export class LambdaBackend implements ComputeBackend {
  readonly name = 'lambda' as const;
  private readonly client: LambdaSender;
  private readonly functionName: string;
  private readonly pricing: LambdaPricing;

  constructor(client: LambdaSender, functionName: string, pricing: LambdaPricing) {
    this.client = client;
    this.functionName = functionName;
    this.pricing = pricing;
  }

  private async invoke(payload: object): Promise<{ body: any; billedMs: number }> {
    const response = await this.client.send(
      new InvokeCommand({ FunctionName: this.functionName, Payload: Buffer.from(JSON.stringify(payload)), LogType: 'Tail' }),
    );
    const text = response.Payload ? decoder.decode(response.Payload) : '{}';
    const body = JSON.parse(text);
    if (response.FunctionError) throw new Error(`Lambda ${this.functionName} failed: ${body.errorMessage ?? text}`);
    const billedMs = billedDurationMs(response.LogResult) ?? Math.ceil(body.busyMs ?? 0);
    return { body, billedMs };
  }

  private cost(billedMs: number, invocations: number): number {
    return (billedMs / 1000) * (this.pricing.memoryMb / 1024) * this.pricing.gbSecondUsd + invocations * this.pricing.requestUsd;
  }

  async warmup(resources: number) {
    const calls = await Promise.all(Array.from({ length: resources }, () => this.invoke({ warmup: true })));
    const billableMs = calls.reduce((sum, call) => sum + call.billedMs, 0);
    const workers = Array.from({ length: resources }, (_, resource) => ({ id: `${this.functionName}#${resource}` }));
    return { workers, billableMs, cost: this.cost(billableMs, resources) };
  }

  async isReady(workers: WorkerRecord[]) {
    return { ready: true, workers };
  }

  endpoints(): Record<string, string> {
    const url = `lambda://${this.functionName}`;
    return {
      [url]: `aws lambda invoke --function-name ${shellQuote(this.functionName)} --cli-binary-format raw-in-base64-out --payload '{"mean": "0.0005", "std": "0.02", "shots": "10000"}' /dev/stdout`,
    };
  }

  async run(tasks: MonteCarloTask[], _workers: WorkerRecord[], onPartDone?: () => void): Promise<RunOutcome> {
    const calls = await Promise.all(
      tasks.map(async (task) => {
        const call = await this.invoke({ task });
        onPartDone?.();
        return call;
      }),
    );
    const billableMs = calls.reduce((sum, call) => sum + call.billedMs, 0);
    return { parts: calls.map((call) => call.body.part as MonteCarloPart), billableMs, cost: this.cost(billableMs, tasks.length) };
  }

  async terminate(): Promise<void> {
    // Nothing runs between invocations: scaling a function to zero costs nothing to do.
  }

  async isTerminated(): Promise<boolean> {
    return true;
  }
}
