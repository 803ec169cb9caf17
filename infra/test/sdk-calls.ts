import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** IAM service prefix of each AWS SDK v3 client package, and commands whose action is named otherwise. */
const iamPrefix: Record<string, string> = {
  kinesis: 'kinesis',
  s3: 's3',
  ecs: 'ecs',
  lambda: 'lambda',
  'secrets-manager': 'secretsmanager',
  sqs: 'sqs',
  sns: 'sns',
};
const renamed: Record<string, string> = { 'lambda:Invoke': 'lambda:InvokeFunction' };

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const workspaceScope = '@closecross/';

/**
 * Calls that workspace code makes but no deployed task does, so no task role is given them. The
 * platform calls secretsmanager:GetSecretValue only when DB_SECRET_ID is set and DB_SECRET_JSON is
 * not; the stack injects DB_SECRET_JSON through each task's execution role and never sets
 * DB_SECRET_ID (stack.test.ts asserts it), so granting the call to every task role would be a
 * privilege no task uses. DB_SECRET_ID serves hosts outside ECS (`pnpm load`, `db:migrate`),
 * which call with the operator's own credentials. Keyed by file, so the same call anywhere else counts.
 */
export const callsNoTaskMakes: readonly SdkCall[] = [{ file: 'packages/platform/src/database-credentials.ts', action: 'secretsmanager:GetSecretValue' }];

export interface SdkCall {
  /** The IAM action, e.g. `kinesis:GetRecords`. */
  action: string;
  /** Where the command is constructed, relative to the repository root. */
  file: string;
}

/** Every workspace package's folder by its name, from pnpm-workspace.yaml's globs (`dir/*` or a folder). */
function workspacePackages(): Map<string, string> {
  const { packages: globs } = parse(readFileSync(path.join(repositoryRoot, 'pnpm-workspace.yaml'), 'utf8')) as { packages: string[] };
  const folders = globs.flatMap((glob) => {
    if (!glob.endsWith('/*')) return [path.join(repositoryRoot, glob)];
    const parent = path.join(repositoryRoot, glob.slice(0, -2));
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(parent, entry.name));
  });
  const byName = new Map<string, string>();
  for (const folder of folders) {
    const manifest = path.join(folder, 'package.json');
    if (existsSync(manifest)) byName.set((JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name, folder);
  }
  return byName;
}

type ExportTarget = string | { import?: ExportTarget; default?: ExportTarget } | null | undefined;
const exportedFile = (target: ExportTarget): string | undefined =>
  typeof target === 'string' ? target : target ? exportedFile(target.import ?? target.default) : undefined;

/** `@closecross/<name>[/<subpath>]` to the file its package.json `exports` maps it to; a miss throws, since a skipped import would hide calls. */
function resolveWorkspaceImport(specifier: string, packages: Map<string, string>): string {
  const [scope, name, ...rest] = specifier.split('/');
  const folder = packages.get(`${scope}/${name}`);
  if (!folder) throw new Error(`${specifier}: no workspace package is named ${scope}/${name}`);
  const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { exports?: Record<string, ExportTarget> | string };
  const subpath = rest.length > 0 ? `./${rest.join('/')}` : '.';
  const exports = typeof manifest.exports === 'string' ? { '.': manifest.exports } : (manifest.exports ?? {});
  const file = exportedFile(exports[subpath]);
  if (!file) throw new Error(`${specifier}: ${scope}/${name}'s package.json exports no "${subpath}"`);
  const resolved = path.join(folder, file);
  if (!existsSync(resolved)) throw new Error(`${specifier}: ${scope}/${name} exports "${subpath}" as ${file}, which does not exist`);
  return resolved;
}

/** What an importer asks of a module: some exported names, or all of it (namespace, side-effect and dynamic imports). */
type Wanted = Set<string> | 'all';

/** The names an import clause asks for: `x, { a, b as c, type T }` wants default, a and b; `* as ns` wants all. */
function wantedBy(clause: string): Wanted {
  if (clause.includes('*')) return 'all';
  const names = new Set<string>();
  const braces = /\{([^}]*)\}/.exec(clause);
  if (/^\s*[\w$]+\s*(,|$)/.test(clause)) names.add('default');
  for (const entry of (braces?.[1] ?? '').split(',')) {
    const [imported] = entry.trim().split(/\s+as\s+/);
    if (imported && !imported.startsWith('type ')) names.add(imported.trim());
  }
  return names;
}

/**
 * The SDK calls a task's code can make: every `new XCommand(` of an `@aws-sdk/client-*` import in
 * the files reachable from its entry, through relative imports (static, dynamic, and
 * `new URL(..., import.meta.url)` thread entries) and `@closecross/*` workspace imports, resolved
 * through each package's package.json `exports`. Type-only imports are skipped (erased at run
 * time). A module's own imports are all followed; only a re-export (`export { a } from './x.ts'`)
 * is followed when its importer asks for that name, so the ingestor, which takes
 * `createKinesisClient` from `@closecross/kinesis`, is not charged with the emulator-only
 * `ensureStream` beside it. `export *` passes every name through. Code that calls AWS at import
 * time from a module reached only through an unasked re-export would be missed; none does.
 */
export function sdkCallsReachableFrom(entry: string): { files: string[]; calls: SdkCall[] } {
  const packages = workspacePackages();
  const asked = new Map<string, Wanted>();
  const pending: [string, Wanted][] = [[path.resolve(entry), 'all']];
  const calls = new Map<string, SdkCall>();

  const resolve = (specifier: string, from: string): string | undefined => {
    if (specifier.startsWith('.')) return path.resolve(path.dirname(from), specifier);
    if (specifier.startsWith(workspaceScope)) return resolveWorkspaceImport(specifier, packages);
    return undefined; // node: builtins and npm packages: their AWS calls are the SDK's own
  };

  while (pending.length > 0) {
    const [file, wanted] = pending.pop()!;
    // A folder (`new URL('./', import.meta.url)`) or a file that is not there holds no code.
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) continue;
    const before = asked.get(file);
    if (before === 'all' || (before && wanted !== 'all' && [...wanted].every((name) => before.has(name)))) continue;
    const now: Wanted = wanted === 'all' || before === undefined ? wanted : new Set([...before, ...wanted]);
    asked.set(file, now);
    const source = readFileSync(file, 'utf8');
    const follow = (specifier: string, names: Wanted) => {
      const target = resolve(specifier, file);
      if (target) pending.push([target, names]);
    };

    if (before === undefined) {
      // The module's own code runs whenever it is imported: follow all its imports, once.
      for (const [, clause, specifier] of source.matchAll(/\bimport\s+(?!type\s)([\w$*{},\s]+?)\s+from\s*'([^']+)'/g)) follow(specifier!, wantedBy(clause!));
      for (const [, specifier] of source.matchAll(/(?:\bimport\s*|\bimport\(\s*|new URL\(\s*)'([^']+)'/g)) follow(specifier!, 'all');
      for (const [, imported, client] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([\w-]+)'/g)) {
        const prefix = iamPrefix[client!];
        if (!prefix) throw new Error(`no IAM prefix known for @aws-sdk/client-${client} (in ${file})`);
        const commands = imported!
          .split(',')
          .map((name) => name.trim().replace(/^type\s+/, ''))
          .filter((name) => name.endsWith('Command'));
        for (const command of commands) {
          if (!new RegExp(`new ${command}\\(`).test(source)) continue;
          const action = renamed[`${prefix}:${command.replace(/Command$/, '')}`] ?? `${prefix}:${command.replace(/Command$/, '')}`;
          const relative = path.relative(repositoryRoot, file);
          calls.set(`${relative} ${action}`, { action, file: relative });
        }
      }
    }
    // Re-exports: each followed for the names asked of this module that it forwards.
    for (const [, forwarded, specifier] of source.matchAll(/\bexport\s+(?!type\s)(\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*'([^']+)'/g)) {
      if (forwarded!.startsWith('*')) {
        const namespace = /as\s+([\w$]+)/.exec(forwarded!)?.[1];
        if (!namespace) follow(specifier!, now);
        else if (now === 'all' || now.has(namespace)) follow(specifier!, 'all');
        continue;
      }
      const names = new Set<string>();
      for (const entry of forwarded!.slice(1, -1).split(',')) {
        const [local, exported = local] = entry
          .trim()
          .split(/\s+as\s+/)
          .map((name) => name.trim());
        if (!local || local.startsWith('type ')) continue;
        if (now === 'all' || now.has(exported!)) names.add(local);
      }
      if (names.size > 0) follow(specifier!, names);
    }
  }
  const byPlace = (a: SdkCall, b: SdkCall) => a.file.localeCompare(b.file) || a.action.localeCompare(b.action);
  return { files: [...asked.keys()].map((file) => path.relative(repositoryRoot, file)).sort(), calls: [...calls.values()].sort(byPlace) };
}

/** The IAM actions a task role needs for the code its entry reaches: every call found, less those no task makes. */
export function sdkActionsReachableFrom(entry: string): string[] {
  const { calls } = sdkCallsReachableFrom(entry);
  const taskCalls = calls.filter((call) => !callsNoTaskMakes.some((excluded) => excluded.file === call.file && excluded.action === call.action));
  return [...new Set(taskCalls.map((call) => call.action))].sort();
}
