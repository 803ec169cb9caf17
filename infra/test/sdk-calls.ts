import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** IAM service prefix of each AWS SDK v3 client package, and commands whose action is named otherwise. */
const iamPrefix: Record<string, string> = { kinesis: 'kinesis', s3: 's3', ecs: 'ecs', lambda: 'lambda', 'secrets-manager': 'secretsmanager', sqs: 'sqs', sns: 'sns' };
const renamed: Record<string, string> = { 'lambda:Invoke': 'lambda:InvokeFunction' };

/**
 * The IAM actions a task's code can call: the files reachable from its entry through the
 * service's own relative imports (static, dynamic, and `new URL(..., import.meta.url)` thread
 * entries), and in them every `new XCommand(` of an `@aws-sdk/client-*` import.
 */
export function sdkActionsReachableFrom(entry: string): string[] {
  const seen = new Set<string>();
  const pending = [path.resolve(entry)];
  const actions = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const references = [...source.matchAll(/(?:from\s+|import\(\s*|new URL\(\s*)'(\.{1,2}\/[^']+)'/g)].map(([, relative]) => relative!);
    for (const relative of references) pending.push(path.resolve(path.dirname(file), relative));
    for (const [, imported, client] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([\w-]+)'/g)) {
      const prefix = iamPrefix[client!];
      if (!prefix) throw new Error(`no IAM prefix known for @aws-sdk/client-${client} (in ${file})`);
      const commands = imported!.split(',').map((name) => name.trim().replace(/^type\s+/, '')).filter((name) => name.endsWith('Command'));
      for (const command of commands) {
        if (!new RegExp(`new ${command}\\(`).test(source)) continue;
        const action = `${prefix}:${command.replace(/Command$/, '')}`;
        actions.add(renamed[action] ?? action);
      }
    }
  }
  return [...actions].sort();
}
