import { readFile } from 'node:fs/promises';
import { env } from '@closecross/platform';
import { describe, expect, it } from 'vitest';
import {
  allowedOf,
  configSections,
  configTableEnd,
  configTableStart,
  configurationPage,
  currentConfigurationPage,
  defaultOf,
  renderSection,
  replaceConfigTables,
} from './support/configuration-doc.ts';

describe('docs/configuration.md, generated from the config specs', () => {
  it('is current: run `pnpm docs:config` after changing a spec', async () => {
    const committed = await readFile(new URL(`../${configurationPage}`, import.meta.url), 'utf8');
    expect(committed, `${configurationPage} is stale: run pnpm docs:config`).toBe(await currentConfigurationPage());
  });

  it('has a section for the platform, the job queues, the local system and every declared service', async () => {
    const headings = (await configSections()).map((section) => section.heading);
    expect(headings.slice(0, 3)).toEqual(['Every service (packages/platform)', 'Job queues (packages/jobs)', 'pnpm start (the local system)']);
    expect(headings).toEqual(expect.arrayContaining(['dashboard', 'ingestor', 'market-data', 'model', 'prices', 'risk-analysis', 'trading']));
  });

  it("states each variable's default and what it accepts in the loader's own words", () => {
    const section = renderSection({
      heading: 'quotes',
      source: 'services/quotes/service.ts',
      field: 'settings',
      spec: {
        QUOTES_PORT: env.int({ default: 8080, min: 1, max: 65535, description: 'port | of quotes' }),
        QUOTES_MODE: env.oneOf(['fast', 'exact'], { description: 'how quotes are made' }),
        QUOTES_TOKEN: env.optionalString('token of the quote feed'),
        QUOTES_LIST: env.string({ default: '', description: 'comma-separated symbols' }),
      },
    });
    expect(section.split('\n')).toEqual([
      '## quotes',
      '',
      'Declared in `services/quotes/service.ts` (`settings`).',
      '',
      '| variable | default | allowed | description |',
      '|---|---|---|---|',
      '| `QUOTES_PORT` | `8080` | must be an integer from 1 to 65535 | port \\| of quotes |',
      '| `QUOTES_MODE` | required | must be one of fast, exact | how quotes are made |',
      '| `QUOTES_TOKEN` |  |  | token of the quote feed |',
      '| `QUOTES_LIST` | (empty) |  | comma-separated symbols |',
    ]);
    expect(defaultOf(env.boolean({ default: false, description: 'x' }))).toBe('`false`');
    expect(allowedOf(env.boolean({ default: false, description: 'x' }))).toBe('must be true or false');
  });

  it('replaces only what lies between the markers, and refuses a page without them', () => {
    const page = `# Configuration\nintro\n${configTableStart}\nold\n${configTableEnd}\nnotes\n`;
    expect(replaceConfigTables(page, '## new')).toBe(`# Configuration\nintro\n${configTableStart}\n\n## new\n\n${configTableEnd}\nnotes\n`);
    expect(() => replaceConfigTables('# Configuration\n', 'x')).toThrow(`${configurationPage} must hold the line`);
    expect(() => replaceConfigTables(`${configTableEnd}\n${configTableStart}\n`, 'x')).toThrow(`${configurationPage} must hold the line`);
  });
});
