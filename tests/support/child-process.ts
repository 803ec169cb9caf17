import { spawn, type ChildProcess } from 'node:child_process';

export interface RunningProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Once the process exited and its output was read to the end ('exit' can come before the last of it). */
  closed: Promise<void>;
  output(): string;
}

const running = new Set<ChildProcess>();
// A test that fails before stopping its child must not leave it running (and loading the machine).
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Runs a TypeScript entry point with tsx, capturing its output; killed when the test process exits. */
export function spawnTsx(entry: string, env: Record<string, string>, args: string[] = []): RunningProcess {
  return spawnCommand(process.execPath, ['--import', 'tsx', entry, ...args], env);
}

/** Runs a command with the test's environment plus `env`, capturing its output; killed when the test process exits. */
export function spawnCommand(command: string, args: string[], env: Record<string, string>, cwd?: string): RunningProcess {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd ? { cwd } : {}),
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { child, exited, closed, output: () => output };
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
