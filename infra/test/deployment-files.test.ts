import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultService, routeTableOf, serviceForPath as serviceForPathIn } from '@closecross/platform';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadDeclarations } from '../lib/declarations.ts';
import { proxyConfigPath, renderProxyConfig } from '../proxy/render-proxy-config.ts';
import { composeProblems, dockerfileProblems, dockerStages } from './declared-files.ts';
import { concretePath, servedPaths, serviceModulesForListing } from './served-paths.ts';

const repository = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(`${repository}${file}`, 'utf8');
const serviceFolders = readdirSync(`${repository}services`);
const declarations = await loadDeclarations();
const routeTable = routeTableOf(declarations);
const serviceForPath = (path: string) => serviceForPathIn(path, routeTable);

const modules = await serviceModulesForListing();

/** Where the rendered proxy config sends a path: its first matching location, else the default service. */
const proxyLocations = [...renderProxyConfig().matchAll(/location ~ (\S+) \{ proxy_pass http:\/\/([\w-]+):8080; \}/g)].map(([, regex, service]) => ({
  regex: new RegExp(regex!),
  service: service!,
}));
const proxyServiceFor = (path: string) => proxyLocations.find((location) => location.regex.test(path))?.service ?? defaultService;

describe('the declarations, the local proxy and the services agree', () => {
  it('the proxy config on disk is the one the declarations render (run pnpm proxy:config)', () => {
    expect(readFileSync(proxyConfigPath, 'utf8')).toBe(renderProxyConfig());
  });

  it('every reference and service path goes to its service through the proxy as through the table', () => {
    const paths = [
      '/stock_data/',
      '/models/1',
      '/model-inferences/',
      '/price_bars/NVDA',
      '/warmup',
      '/get_sig_vars9599',
      '/analyses/abc',
      '/chart',
      '/calculate_var9599',
      '/ingest/status',
      '/train-model/',
      '/inference-model/',
      '/jobs/abc',
      '/predict',
      '/model-reports/1',
      '/healthcheck/',
    ];
    for (const path of paths) {
      expect({ path, service: proxyServiceFor(path) }).toEqual({ path, service: serviceForPath(path) });
    }
  });

  it('every folder of services/ declares its service, and the route table is theirs', () => {
    expect(declarations.map((declaration) => declaration.name)).toEqual([...serviceFolders].sort());
    expect(routeTable.map((entry) => entry.service)).toEqual(declarations.map((declaration) => declaration.name));
  });

  it.each(modules.map((module) => [module.name, module] as const))(
    'every path %s registers reaches it through the table and the proxy',
    async (name, module) => {
      const paths = await servedPaths(module);
      expect(paths.length).toBeGreaterThan(1);
      for (const path of paths) {
        const concrete = concretePath(path);
        expect({ path, table: serviceForPath(concrete), proxy: proxyServiceFor(concrete) }).toEqual({ path, table: name, proxy: name });
      }
    },
  );
});

describe('docker-compose.yml', () => {
  // Merge keys (`<<: *service`) resolved, as docker compose resolves them.
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, any>; volumes: Record<string, unknown> };

  it('runs every declared service from its image target, health-checked on its health path, after Postgres and before the proxy', () => {
    expect(composeProblems(compose, declarations)).toEqual([]);
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'kinesis', 's3', 's3-bucket', 'kinesis-stream', 'proxy']));
  });

  it('has health checks on every service and the infrastructure, and start order on them', () => {
    for (const name of ['postgres', 'kinesis', 's3', 'proxy', ...serviceFolders])
      expect({ name, test: compose.services[name]?.healthcheck?.test }).toEqual({ name, test: expect.any(Array) });
    for (const name of serviceFolders) expect(compose.services[name].healthcheck.test.join(' ')).toContain('/health');
    for (const name of serviceFolders) expect(compose.services[name].depends_on.postgres.condition).toBe('service_healthy');
    expect(compose.services.ingestor.depends_on['kinesis-stream'].condition).toBe('service_completed_successfully');
    expect(compose.services.model.depends_on['s3-bucket'].condition).toBe('service_completed_successfully');
    expect(compose.services.proxy.depends_on['market-data'].condition).toBe('service_healthy');
  });

  it('keeps data in volumes and serves one port', () => {
    expect(Object.keys(compose.volumes).sort()).toEqual(['admin-secrets', 'kinesis-data', 'postgres-data', 's3-data']);
    expect(compose.services.proxy.ports).toEqual(['8080:8080']);
  });
});

describe('docker compose up makes an admin, as pnpm start does (every route answered 401 before)', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, any> };
  const stages = dockerStages(read('Dockerfile'));

  it("every service starts after the admin exists, with its key and password from the admin-secrets volume, then runs its image's own command", () => {
    expect(compose.services.admin.command).toEqual(['node', '/bootstrap/bootstrap-admin.mjs']);
    expect(compose.services.admin.volumes).toEqual(['admin-secrets:/run/closecross', './infra/compose/bootstrap-admin.mjs:/bootstrap/bootstrap-admin.mjs:ro']);
    for (const { name, server } of declarations) {
      const service = compose.services[name];
      expect({ name, after: service.depends_on.admin }).toEqual({ name, after: { condition: 'service_completed_successfully' } });
      expect({ name, mounted: service.volumes }).toEqual({ name, mounted: expect.arrayContaining(['admin-secrets:/run/closecross:ro']) });
      expect(service.entrypoint.slice(0, 2)).toEqual(['sh', '-c']);
      expect(service.entrypoint[2]).toContain('. /run/closecross/admin.env');
      // An entrypoint clears the image's CMD: the command compose gives must be the stage's own.
      const cmd = stages.find((stage) => stage.name === server.image)!.lines.find((line) => line.startsWith('CMD '))!;
      expect({ name, command: service.command }).toEqual({ name, command: JSON.parse(cmd.slice(4)) });
    }
  });

  it("the bootstrap makes a key and a password once, prints them once and says where they are kept; the services' shell loads them", () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'closecross-admin-'));
    try {
      const run = () =>
        execFileSync(process.execPath, [path.join(repository, 'infra/compose/bootstrap-admin.mjs')], {
          env: { PATH: process.env.PATH!, ADMIN_SECRETS_DIR: folder, ADMIN_SECRETS_UID: String(process.getuid?.() ?? 0) },
          encoding: 'utf8',
        });
      const first = run();
      const file = path.join(folder, 'admin.env');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const entrypoint = compose.services['market-data'].entrypoint as string[];
      // The services' entrypoint, with the volume's path pointed at the test folder and `$$` as compose passes it ($).
      const script = entrypoint[2]!.replace('/run/closecross/admin.env', file).replace('$$@', '$@');
      const loaded = JSON.parse(
        execFileSync(
          'sh',
          [
            '-c',
            script,
            entrypoint[3]!,
            process.execPath,
            '-e',
            'console.log(JSON.stringify({ key: process.env.ADMIN_BOOTSTRAP_KEY, password: process.env.ADMIN_BOOTSTRAP_PASSWORD }))',
          ],
          { encoding: 'utf8' },
        ),
      ) as { key: string; password: string };
      expect(loaded.key).toMatch(/^cc_[\w-]{43}$/);
      expect(loaded.password).toMatch(/^[\w-]{24}$/);
      expect(first).toContain(`Admin created. API key: ${loaded.key}`);
      expect(first).toContain(`Dashboard sign-in: admin / ${loaded.password}`);
      expect(first).toContain(`Both are kept in the admin-secrets volume (${file}).`);
      const second = run();
      expect(second).not.toContain(loaded.key);
      expect(second).toContain(`the API key and the dashboard password of user admin are kept in the admin-secrets volume (${file})`);
      expect(readFileSync(file, 'utf8')).toBe(`ADMIN_BOOTSTRAP_KEY=${loaded.key}\nADMIN_BOOTSTRAP_PASSWORD=${loaded.password}\n`);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('kinesalite built into an image, not fetched at each start', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, any> };
  const kinesalite = dockerStages(read('Dockerfile')).find((stage) => stage.name === 'kinesalite');

  it('compose builds the kinesalite target and runs no npx', () => {
    expect(compose.services.kinesis.build).toEqual({ context: '.', target: 'kinesalite' });
    expect(read('docker-compose.yml')).not.toMatch(/\bnpx\b/);
  });

  it('the stage installs the version the local system uses, runs as node, and keeps its data in /data', () => {
    const version = (JSON.parse(read('packages/local-system/package.json')) as { dependencies: Record<string, string> }).dependencies.kinesalite!.replace(
      /^\^/,
      '',
    );
    expect(kinesalite?.lines.join('\n')).toContain(`npm install --global kinesalite@${version}`);
    expect(kinesalite?.lines).toContain('USER node');
    expect(kinesalite?.lines).toContain('CMD ["kinesalite", "--port", "4567", "--path", "/data", "--createStreamMs", "0"]');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = [...dockerfile.matchAll(/^FROM \S+ AS ([\w-]+)$/gm)].map(([, name]) => name);

  it('has a stage for every declared image (servers, the VaR worker and Lambda), running the declared entry', () => {
    expect(dockerfileProblems(dockerfile, declarations)).toEqual([]);
    expect(stages).toEqual(expect.arrayContaining([...serviceFolders, 'var-worker', 'var-lambda']));
  });

  it('runs as a non-root user with a HEALTHCHECK on /health, Node 24 on bookworm slim', () => {
    expect(dockerfile).toMatch(/^FROM node:24-bookworm-slim AS runtime$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/health/m);
  });

  it("bakes the team's strategies folder into the trading image and points STRATEGIES_DIR at it", () => {
    const tradingStage = dockerfile.slice(dockerfile.indexOf('AS trading\n'), dockerfile.indexOf('AS prices\n'));
    expect(tradingStage).toMatch(/^COPY --chown=node:node strategies \/app\/strategies$/m);
    expect(tradingStage).toMatch(/^ENV STRATEGIES_DIR=\/app\/strategies$/m);
    expect(read('strategies/README.md')).toContain('defineStrategy');
  });

  it('installs libxgboost0 only in the model image, and bakes in no secret', () => {
    const instructions = dockerfile
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');
    const modelStage = instructions.slice(instructions.indexOf('AS model\n'));
    expect(instructions.match(/libxgboost0/g)?.length).toBe(1);
    expect(modelStage).toContain('libxgboost0');
    expect(dockerfile).not.toMatch(/PASSWORD|SECRET|AWS_ACCESS_KEY/);
  });
});
