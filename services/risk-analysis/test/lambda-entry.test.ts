import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const entry = fileURLToPath(new URL('../src/lambda/var-lambda.mjs', import.meta.url));

describe('the VaR Lambda container entry', () => {
  it('loads under plain node (as the Lambda runtime does) and answers the reference event', async () => {
    // No tsx loader on the command line: the entry must register it itself.
    const script = `const { handler } = await import(${JSON.stringify(entry)});
      console.log(JSON.stringify(await handler({ mean: '0.001', std: '0.02', shots: '20000', seed: 7 })));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH } });
    const answer = JSON.parse(stdout.trim()) as { var95: number; var99: number };
    // Normal quantiles: 0.001 - 1.645 * 0.02 and 0.001 - 2.326 * 0.02, within Monte Carlo error.
    expect(answer.var95).toBeCloseTo(-0.0319, 2);
    expect(answer.var99).toBeCloseTo(-0.0455, 2);
    expect(answer.var99).toBeLessThan(answer.var95);
  });
});
