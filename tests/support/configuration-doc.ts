/**
 * The variable tables of docs/configuration.md, generated from the config specs the code reads
 * (`packages/platform/src/config.ts`): the platform's, the job queues', the local system's, and
 * each declared service's `settings` (and its workers'), so the page cannot drift from the code.
 * `pnpm docs:config` writes them between two markers; a test fails when the page is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { platformConfigSpec, loadServiceDeclarations, type ConfigSpec } from '@closecross/platform';

export const configTableStart = '<!-- config-tables:start (written by `pnpm docs:config` from the config specs; do not edit by hand) -->';
export const configTableEnd = '<!-- config-tables:end -->';

/** The page, from the repository root. */
export const configurationPage = 'docs/configuration.md';

const repositoryRoot = new URL('../../', import.meta.url);

export interface SpecSection {
  heading: string;
  /** The file that declares the spec, shown under the heading, and the field of a declaration that holds it. */
  source: string;
  field?: string;
  spec: ConfigSpec;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The default a variable takes when unset: its value, "required", or empty when it stays unset. */
export function defaultOf(variable: ConfigSpec[string]): string {
  let value: unknown;
  try {
    value = variable.parse(undefined);
  } catch {
    return 'required';
  }
  if (value === undefined) return '';
  return String(value) === '' ? '(empty)' : `\`${String(value)}\``;
}

/** What a value must be, in the loader's own words (the message a bad value gets), or empty when any text goes. */
export function allowedOf(variable: ConfigSpec[string]): string {
  try {
    variable.parse('\u0001');
    return '';
  } catch (error) {
    return (error as Error).message.replace(/, got .*$/s, '');
  }
}

export function renderSection(section: SpecSection): string {
  const lines = [
    `## ${section.heading}`,
    '',
    `Declared in \`${section.source}\`${section.field ? ` (\`${section.field}\`)` : ''}.`,
    '',
    '| variable | default | allowed | description |',
    '|---|---|---|---|',
  ];
  for (const [name, variable] of Object.entries(section.spec)) {
    lines.push(`| \`${name}\` | ${cell(defaultOf(variable))} | ${cell(allowedOf(variable))} | ${cell(variable.description)} |`);
  }
  return lines.join('\n');
}

async function specFrom(path: string, name: string): Promise<ConfigSpec> {
  const module = (await import(new URL(path, repositoryRoot).href)) as Record<string, ConfigSpec>;
  const spec = module[name];
  if (!spec) throw new Error(`${path} exports no ${name}`);
  return spec;
}

/** Every spec of the repository: the platform's, the job queues', the local system's, then each declared service's. */
export async function configSections(): Promise<SpecSection[]> {
  const sections: SpecSection[] = [
    { heading: 'Every service (packages/platform)', source: 'packages/platform/src/platform-config.ts', spec: platformConfigSpec },
    {
      heading: 'Job queues (packages/jobs)',
      source: 'packages/jobs/src/queue-admission.ts',
      spec: await specFrom('packages/jobs/src/queue-admission.ts', 'jobAdmissionSpec'),
    },
    {
      heading: 'pnpm start (the local system)',
      source: 'packages/local-system/src/local-config.ts',
      spec: await specFrom('packages/local-system/src/local-config.ts', 'localConfigSpec'),
    },
  ];
  for (const declaration of await loadServiceDeclarations(new URL('services/', repositoryRoot))) {
    sections.push({ heading: declaration.name, source: `services/${declaration.name}/service.ts`, field: 'settings', spec: declaration.settings });
    for (const worker of declaration.workers ?? []) {
      if (worker.settings)
        sections.push({
          heading: `${declaration.name}: ${worker.name}`,
          source: `services/${declaration.name}/service.ts`,
          field: `workers: ${worker.name}`,
          spec: worker.settings,
        });
    }
  }
  return sections;
}

export async function renderConfigurationTables(): Promise<string> {
  return (await configSections()).map(renderSection).join('\n\n');
}

/** The page with everything between the markers replaced by `tables`; both markers must be there, once each, in order. */
export function replaceConfigTables(page: string, tables: string): string {
  const start = page.indexOf(configTableStart);
  const end = page.indexOf(configTableEnd);
  if (start === -1 || end < start || page.indexOf(configTableStart, start + 1) !== -1 || page.indexOf(configTableEnd, end + 1) !== -1) {
    throw new Error(`${configurationPage} must hold the line "${configTableStart}" once, followed later by "${configTableEnd}" once`);
  }
  return `${page.slice(0, start + configTableStart.length)}\n\n${tables}\n\n${page.slice(end)}`;
}

/** The page as `pnpm docs:config` writes it. */
export async function currentConfigurationPage(): Promise<string> {
  const page = await readFile(new URL(configurationPage, repositoryRoot), 'utf8');
  return replaceConfigTables(page, await renderConfigurationTables());
}

/** Writes the tables into docs/configuration.md; answers whether anything changed. */
export async function writeConfigurationPage(): Promise<boolean> {
  const path = new URL(configurationPage, repositoryRoot);
  const before = await readFile(path, 'utf8');
  const after = replaceConfigTables(before, await renderConfigurationTables());
  if (after !== before) await writeFile(path, after);
  return after !== before;
}
