import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface WorkspacePackage {
  name: string;
  folder: string;
  dependencies: string[];
  devDependencies: string[];
}

/** Every project pnpm-workspace.yaml lists (its `packages:` globs are `dir` or `dir/*`). */
function workspacePackages(): WorkspacePackage[] {
  const manifest = readFileSync(path.join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs = manifest.split('allowBuilds')[0]!.matchAll(/^\s+-\s+(\S+)\s*$/gm);
  const folders = [...globs].flatMap(([, glob]) =>
    glob!.endsWith('/*') ? readdirSync(path.join(root, glob!.slice(0, -2))).map((name) => `${glob!.slice(0, -2)}/${name}`) : [glob!],
  );
  return folders
    .filter((folder) => existsSync(path.join(root, folder, 'package.json')))
    .map((folder) => {
      const json = JSON.parse(readFileSync(path.join(root, folder, 'package.json'), 'utf8'));
      const workspaceNames = (section: Record<string, string> | undefined) =>
        Object.entries(section ?? {})
          .filter(([, version]) => version.startsWith('workspace:'))
          .map(([name]) => name);
      return { name: json.name, folder, dependencies: workspaceNames(json.dependencies), devDependencies: workspaceNames(json.devDependencies) };
    });
}

/** A dependency cycle as the list of names around it, or undefined. */
function findCycle(edges: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const trail: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...trail.slice(trail.indexOf(name)), name];
    state.set(name, 'visiting');
    trail.push(name);
    for (const next of edges.get(name) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of edges.keys()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

const packages = workspacePackages();
const services = packages.filter((pkg) => pkg.folder.startsWith('services/'));
const serviceNames = new Set(services.map((pkg) => pkg.name));

describe('workspace graph', () => {
  it('lists the shared packages and every service', () => {
    expect(packages.map((pkg) => pkg.name)).toEqual(
      expect.arrayContaining(['@closecross/contracts', '@closecross/kinesis', '@closecross/tests', '@closecross/market-data']),
    );
  });

  // pnpm -r (and so pnpm bench) refuses to order tasks over a cycle, devDependencies included.
  it('has no dependency cycle, devDependencies included', () => {
    const edges = new Map(packages.map((pkg) => [pkg.name, [...pkg.dependencies, ...pkg.devDependencies]]));
    expect(findCycle(edges)).toBeUndefined();
  });

  // tests/support depends on the packages it sets up, so none of those may depend on it (the
  // cycle test above); their tests reach it through the root project, which runs the suite.
  it('lets the root project, which runs the suite, reach the test support', () => {
    const rootJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(rootJson.devDependencies['@closecross/tests']).toBe('workspace:*');
  });

  it('gives no service a runtime dependency on another service', () => {
    const crossings = services.flatMap((pkg) => pkg.dependencies.filter((name) => serviceNames.has(name)).map((name) => `${pkg.name} -> ${name}`));
    expect(crossings).toEqual([]);
  });

  // local-system mounts every service (the composition root); infra composes them for deployment.
  it('gives no shared package a dependency on a service, but the composition roots', () => {
    const crossings = packages
      .filter((pkg) => pkg.folder.startsWith('packages/') && pkg.folder !== 'packages/local-system')
      .concat(packages.filter((pkg) => pkg.folder === 'tests'))
      .flatMap((pkg) => [...pkg.dependencies, ...pkg.devDependencies].filter((name) => serviceNames.has(name)).map((name) => `${pkg.name} -> ${name}`));
    expect(crossings).toEqual([]);
  });
});
