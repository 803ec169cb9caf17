import { readFileSync } from 'node:fs';

/** cdk.json's context: what `cdk synth` starts from before `-c` overrides. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}
