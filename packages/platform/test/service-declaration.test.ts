import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { declareService, env, loadServiceDeclarations, routeTableOf, type ServiceDeclaration } from '../src/index.ts';

const base: ServiceDeclaration = {
  name: 'quotes',
  pathPatterns: ['/quotes*'],
  healthPath: '/health',
  server: { file: 'src/server.ts', image: 'quotes' },
  settings: { QUOTES_SOURCE: env.string({ default: 'none', description: 'where quotes come from' }) },
  aws: [],
  tasks: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 2, scaleOn: { requestsPerTask: 20 } },
  usesDatabase: true,
  runsJobs: false,
  module: async () => ({ name: 'quotes', plugin: async () => {} }),
};

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('declareService', () => {
  it('keeps a sound declaration as written', () => {
    expect(declareService(base)).toMatchObject({ name: 'quotes', pathPatterns: ['/quotes*'], server: { image: 'quotes' } });
  });

  it('names every problem of a bad declaration at once', () => {
    const bad = {
      ...base,
      name: 'Quotes',
      pathPatterns: ['quotes*', '/audit/x'],
      tasks: { ...base.tasks, minTasks: 3 },
      deploymentValues: { QUOTES_URL: 'cluster-name' as const },
    };
    expect(() => declareService(bad as ServiceDeclaration)).toThrow(
      /name must be lowercase[\s\S]*"quotes\*" is not an ALB path pattern[\s\S]*1 <= minTasks <= maxTasks, got 3..2[\s\S]*sets QUOTES_URL, which its settings do not read[\s\S]*\/audit\/x overlaps the platform's \/audit\*/,
    );
  });

  it('refuses a secret for a variable its settings do not read, or one also set as a deployment value', () => {
    const settings = { QUOTES_KEY: env.optionalString('the quote vendor key'), QUOTES_URL: env.string({ default: 'x', description: 'where' }) };
    expect(declareService({ ...base, settings, secrets: { QUOTES_KEY: 'alpaca-key-id' } }).secrets).toEqual({ QUOTES_KEY: 'alpaca-key-id' });
    const unread = { ...base, secrets: { QUOTES_TOKEN: 'alpaca-secret-key' } } as ServiceDeclaration;
    expect(() => declareService(unread)).toThrow('secrets sets QUOTES_TOKEN, which its settings do not read');
    expect(() => declareService({ ...base, settings, deploymentValues: { QUOTES_URL: 'cluster-name' }, secrets: { QUOTES_URL: 'alpaca-key-id' } })).toThrow(
      'QUOTES_URL is both a deployment value and a secret',
    );
  });
});

describe('routeTableOf', () => {
  it('refuses two declarations of one name, or two services claiming a common path', () => {
    expect(routeTableOf([base]).map((entry) => entry.service)).toEqual(['quotes']);
    expect(() => routeTableOf([base, base])).toThrow('Services declared twice: quotes');
    expect(() => routeTableOf([base, { ...base, name: 'quote-feed', pathPatterns: ['/quotes/feed'] }])).toThrow(
      'quotes /quotes* overlaps quote-feed /quotes/feed',
    );
  });
});

describe('loadServiceDeclarations', () => {
  const servicesFolder = (declarations: Record<string, string | undefined>) => {
    const root = mkdtempSync(path.join(tmpdir(), 'closecross-declarations-'));
    folders.push(root);
    const platform = new URL('../src/index.ts', import.meta.url).href;
    for (const [folder, name] of Object.entries(declarations)) {
      mkdirSync(path.join(root, folder));
      if (name)
        writeFileSync(
          path.join(root, folder, 'service.ts'),
          `import { declareService } from '${platform}';
export default declareService({ name: '${name}', pathPatterns: ['/${name}*'], healthPath: '/health', server: { file: 'src/server.ts', image: '${name}' },
  settings: {}, aws: [], tasks: { cpu: 256, memoryMiB: 512, minTasks: 1, maxTasks: 1, scaleOn: { requestsPerTask: 20 } }, usesDatabase: false, runsJobs: false,
  module: async () => ({ name: '${name}', plugin: async () => {} }) });
`,
        );
    }
    return root;
  };

  it('finds a service in each folder holding a service.ts, in folder order', async () => {
    const root = servicesFolder({ zeta: 'zeta', alpha: 'alpha', notes: undefined });
    expect((await loadServiceDeclarations(root)).map((declaration) => declaration.name)).toEqual(['alpha', 'zeta']);
  });

  it('refuses a declaration named other than its folder', async () => {
    const root = servicesFolder({ alpha: 'beta' });
    await expect(loadServiceDeclarations(root)).rejects.toThrow(/declares "beta"; a service is named after its folder/);
  });
});
