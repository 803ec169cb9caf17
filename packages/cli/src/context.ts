import { createInterface } from 'node:readline/promises';
import { createClosecrossClient, type ClosecrossClient, type JobEvent } from '@closecross/client';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { CliError, exitCodes } from './exit-codes.ts';
import { resolveConnection, type Environment } from './settings.ts';

/** Where the CLI reads and writes: the process's streams, or a test's. */
export interface Io {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Environment & Record<string, string | undefined>;
  cwd: string;
}

/** The options every command takes (before or after its name). */
export interface GlobalOptions {
  url?: string;
  key?: string;
  json?: boolean;
  quiet?: boolean;
}

export interface Column<Row> {
  header: string;
  value: (row: Row) => unknown;
}

export interface Progress {
  update(fraction: number, stage?: string): void;
  stop(): void;
}

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(8)));
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

/** What every command is given: the client, and output for people (tables, progress) or scripts (--json). */
export class Context {
  readonly io: Io;
  readonly options: GlobalOptions;
  private cached: ClosecrossClient | undefined;

  constructor(io: Io, options: GlobalOptions) {
    this.io = io;
    this.options = options;
  }

  get json(): boolean {
    return this.options.json === true;
  }

  /** The client for the resolved server and key; a CliError when there is no server to talk to. */
  client(): ClosecrossClient {
    if (this.cached) return this.cached;
    const connection = resolveConnection({ url: this.options.url, key: this.options.key }, this.io.env, this.io.cwd);
    if (!connection) {
      throw new CliError(
        'no server: run closecross login --url <URL> --key <KEY>, set CLOSECROSS_URL and CLOSECROSS_API_KEY, or start the local system (pnpm start)',
        exitCodes.unauthorised,
      );
    }
    this.cached = createClosecrossClient({ baseUrl: connection.url, ...(connection.apiKey ? { apiKey: connection.apiKey } : {}) });
    return this.cached;
  }

  /** The result as JSON with --json; otherwise what `human` prints. */
  emit(result: unknown, human: () => void): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else human();
  }

  line(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** A note for people on stderr (not with --quiet), so stdout stays the result. */
  note(text: string): void {
    if (!this.options.quiet) this.io.stderr.write(`${text}\n`);
  }

  table<Row>(rows: readonly Row[], columns: readonly Column<Row>[], empty = '(none)'): void {
    if (rows.length === 0) return this.line(empty);
    const table = new Table({ head: columns.map((column) => column.header), style: { head: [], border: [] } });
    for (const row of rows) table.push(columns.map((column) => cell(column.value(row))));
    this.line(table.toString());
  }

  /** Key-value lines of an object, for one thing. */
  record(entries: Record<string, unknown>): void {
    const width = Math.max(...Object.keys(entries).map((key) => key.length));
    for (const [key, value] of Object.entries(entries)) this.line(`${key.padEnd(width)}  ${cell(value)}`);
  }

  /**
   * A progress bar on stderr for a terminal; elsewhere (a pipe, a log) a line per change of stage,
   * so a script's log still says what happened. Nothing with --quiet.
   */
  progress(label: string, total = 100, unit = '%'): Progress {
    if (this.options.quiet) return { update: () => undefined, stop: () => undefined };
    if (this.io.stderr.isTTY) {
      const bar = new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {percentage}% | {stage}`,
          stream: this.io.stderr as NodeJS.WritableStream,
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { stage: '' });
      return {
        update: (fraction, stage) => bar.update(Math.round(fraction * total), { stage: stage ?? '' }),
        stop: () => bar.stop(),
      };
    }
    let last = '';
    return {
      update: (fraction, stage) => {
        const shown = unit === '%' ? `${Math.round(fraction * 100)}%` : `${Math.round(fraction * total)}/${total} ${unit}`;
        const key = `${stage ?? ''}|${unit === '%' ? Math.floor(fraction * 10) : shown}`;
        if (key === last) return;
        last = key;
        this.io.stderr.write(`${label}: ${shown}${stage ? ` ${stage}` : ''}\n`);
      },
      stop: () => undefined,
    };
  }

  /** Follows a job with a progress bar; answers the finished job (a failed one throws, exit 8). */
  async followJob(jobId: string, label: string) {
    const bar = this.progress(label);
    try {
      return await this.client().waitForJob(jobId, { onEvent: (event: JobEvent) => bar.update(event.progress, `${event.status}: ${event.stage}`) });
    } finally {
      bar.stop();
    }
  }

  /**
   * Asks before something that cannot be undone; `expected` is what must be typed. Without a
   * terminal to ask on, it refuses (exit 10) unless --yes was given.
   */
  async confirm(question: string, yes: boolean | undefined, expected = 'yes'): Promise<void> {
    if (yes) return;
    if (!this.io.stdin.isTTY && this.io.env.CLOSECROSS_CONFIRM_FROM_STDIN !== '1') {
      throw new CliError(`${question}: not confirmed (no terminal to ask on); pass --yes to go ahead`, exitCodes.notConfirmed);
    }
    const prompt = createInterface({ input: this.io.stdin, output: this.io.stderr as NodeJS.WritableStream, terminal: false });
    try {
      const answer = await prompt.question(`${question}\nType "${expected}" to go ahead: `);
      if (answer.trim() !== expected) throw new CliError('not confirmed: nothing was done', exitCodes.notConfirmed);
    } finally {
      prompt.close();
    }
  }
}
