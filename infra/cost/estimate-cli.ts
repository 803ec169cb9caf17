import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { cdkJsonContext } from '../lib/cdk-context.ts';
import { closecrossStackFor } from '../lib/closecross-stack.ts';
import { loadDeclarations } from '../lib/declarations.ts';
import { estimateMonthlyCost, totalsByCategory, type CloudFormationTemplate } from './estimate.ts';
import { statedLoad } from './load.ts';
import { referenceBudget } from './prices.ts';

/**
 * `pnpm --filter infra cost [--env prod]`: synthesizes the stack of each environment
 * (as `cdk synth` would, offline) and prints its monthly cost at the stated load
 * (infra/cost/load.ts) beside the reference's budget.
 */
const { values } = parseArgs({ options: { env: { type: 'string', multiple: true } } });
const environments = values.env ?? Object.keys(cdkJsonContext().environments as Record<string, unknown>);
const usd = (value: number | undefined) => (value === undefined ? '—' : value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));

const declarations = await loadDeclarations();
const outdir = mkdtempSync(path.join(tmpdir(), 'closecross-cost-'));
try {
  for (const environment of environments) {
    const app = new App({ outdir, context: { ...cdkJsonContext(), env: environment } });
    const { stack, settings } = closecrossStackFor(app, declarations);
    const template = app.synth().getStackByName(stack.stackName).template as CloudFormationTemplate;
    const lines = estimateMonthlyCost(template, statedLoad);
    const totals = totalsByCategory(lines, referenceBudget);
    const sum = (pick: (total: (typeof totals)[number]) => number | undefined) => totals.reduce((total, entry) => total + (pick(entry) ?? 0), 0);

    console.log(`\n## ${environment}: ${settings.region}, USD a month at the stated load\n`);
    console.log('| line | baseline (min tasks) | at max scale |');
    console.log('|---|---:|---:|');
    for (const line of lines) console.log(`| ${line.category}: ${line.item} | ${usd(line.baseline)} | ${usd(line.atMaxScale)} |`);
    console.log('\n| category | baseline | at max scale | reference |');
    console.log('|---|---:|---:|---:|');
    for (const total of totals) console.log(`| ${total.category} | ${usd(total.baseline)} | ${usd(total.atMaxScale)} | ${usd(total.reference)} |`);
    console.log(`| **total** | **${usd(sum((t) => t.baseline))}** | **${usd(sum((t) => t.atMaxScale))}** | **${usd(sum((t) => t.reference))}** |`);
    console.log(
      `\nbaseline / reference: ${(sum((t) => t.baseline) / sum((t) => t.reference)).toFixed(2)}x; a year at baseline: ${usd(12 * sum((t) => t.baseline))} USD`,
    );
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
