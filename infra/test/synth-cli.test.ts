import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDeclarations } from '../lib/declarations.ts';

const run = promisify(execFile);
/** Every declared service is one ECS service in the template. */
const declarations = await loadDeclarations();
const infra = fileURLToPath(new URL('../', import.meta.url));
const output = mkdtempSync(path.join(tmpdir(), 'closecross-synth-'));
afterAll(() => rmSync(output, { recursive: true, force: true }));

describe('cdk synth through the pinned CLI', () => {
  it('synthesizes the prod environment with no AWS credentials or lookups', async () => {
    // No credentials and an unreachable metadata endpoint: any account lookup would fail the run.
    const env = {
      PATH: process.env.PATH!,
      HOME: output,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const { stderr } = await run(path.join(infra, 'node_modules/.bin/cdk'), ['synth', '--quiet', '--no-notices', '-c', 'env=prod', '--output', output], {
      cwd: infra,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    const template = JSON.parse(readFileSync(path.join(output, 'closecross-prod.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    expect(types).toEqual(
      expect.arrayContaining(['AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::RDS::DBInstance', 'AWS::Kinesis::Stream', 'AWS::Lambda::Function']),
    );
    expect(types.filter((type) => type === 'AWS::ECS::Service')).toHaveLength(declarations.length);
    // Nothing was left for the CLI to look up (it would say so and write cdk.context.json).
    expect(stderr).not.toMatch(/context lookup|missing context/i);
    // Every feature flag this aws-cdk-lib knows is set in cdk.json (the CLI warns "N feature flags are not configured" otherwise).
    expect(stderr).not.toMatch(/feature flags? (are|is) not configured/i);
    const manifest = JSON.parse(readFileSync(path.join(output, 'manifest.json'), 'utf8')) as { missing?: unknown[] };
    expect(manifest.missing ?? []).toEqual([]);
  }, 180_000);
});
