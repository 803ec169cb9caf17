import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/closecross.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout read as JSON (for --json runs). */
  json<T = any>(): T;
}

/**
 * Runs the `closecross` bin as a user would, in a child process with only the environment given
 * (and PATH/HOME so Node runs), stdin closed unless `input` is given.
 */
export function runCli(args: readonly string[], env: Record<string, string>, options: { input?: string; cwd?: string } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? process.env.HOME ?? '/tmp', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  const killer = setTimeout(() => child.kill('SIGKILL'), 110_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({
        code,
        stdout,
        stderr,
        json() {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(`closecross ${args.join(' ')} printed no JSON (exit ${code}): ${stdout.slice(0, 500)} ${stderr.slice(0, 1000)}`);
          }
        },
      });
    });
  });
}
