import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, launchChromium, openPage, screenshot, type BrowserSession, type WatchedPage } from './support/browser.ts';
import { adminCall, startSystem, type RunningSystem } from './support/local-system.ts';

// The research page against `pnpm start` on a fresh data folder, on the real daily bars of
// ../shared/data/daily (AAPL and MSFT, 2016-08 to 2021-08). Every figure the page shows is
// checked against what the API answered for the same run, formatted here, not by the page's code.
const dailyDir = fileURLToPath(new URL('../../../../shared/data/daily/', import.meta.url));
const realData = existsSync(`${dailyDir}AAPL.csv`) && existsSync(`${dailyDir}MSFT.csv`);
const noRealData = 'no ../shared/data/daily: the research runs on its real AAPL and MSFT bars';

const strategiesDir = fileURLToPath(new URL('./fixtures/strategies/', import.meta.url));
let system: RunningSystem;
let chromium: BrowserSession;
let watched: WatchedPage;
const viewer = { username: 'rita', password: 'a viewer passphrase' };
/** Three years of sessions, the last stored (2018-08-23 to 2021-08-23). */
const period = { start: '2018-08-23', end: '2021-08-23' };

function csvBars(symbol: string) {
  const [, ...lines] = readFileSync(`${dailyDir}${symbol}.csv`, 'utf8').trim().split('\n');
  return lines.map((line) => {
    const [date, open, high, low, close, adjClose, volume] = line.split(',');
    return { date: date!, open: Number(open), high: Number(high), low: Number(low), close: Number(close), adj_close: Number(adjClose), volume: Number(volume) };
  });
}

beforeAll(async () => {
  if (!realData) return;
  // The strategies folder holds one module that peeks at future bars, for the lookahead check to flag.
  [system, chromium] = await Promise.all([startSystem({ STRATEGIES_DIR: strategiesDir }), launchChromium()]);
  await adminCall(system, 'POST', '/auth/users', { ...viewer, role: 'viewer' });
  await adminCall(system, 'POST', '/trading/accounts', { id: 'paper', name: 'Paper' });
  for (const symbol of ['AAPL', 'MSFT']) await adminCall(system, 'POST', `/price_bars/${symbol}`, csvBars(symbol));
  watched = await openPage(chromium.browser, system.url);
  await signIn(watched.page, 'admin', system.password);
}, 240_000);

afterAll(async () => {
  await watched?.context.close();
  await chromium?.close();
  await system?.stop();
});

async function signIn(page: Page, username: string, password: string) {
  await page.goto('/app');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
}

async function expectCleanPage(page: WatchedPage) {
  const violations = (await accessibilityViolations(page.page)).filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  expect(violations).toEqual([]);
  expect(page.problems).toEqual([]);
}

/** A number as the test expects to read it: en-US grouping, at most `digits` decimals; null as a dash. */
const shown = (value: number | null | undefined, digits: number) => (value == null ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits }));
const shownParameters = (parameters: Record<string, unknown> | null) =>
  parameters
    ? Object.entries(parameters)
        .map(([name, value]) => `${name} ${String(value)}`)
        .join(', ')
    : '—';

/** Fills a parameter row of the search-space table: searched with a range, or a fixed value. */
async function searchRange(page: Page, name: string, from: number, to: number, step?: number) {
  await page.getByLabel(`search ${name}`).check();
  await page.getByLabel(`${name} from`).fill(String(from));
  await page.getByLabel(`${name} to`).fill(String(to));
  if (step !== undefined) await page.getByLabel(`${name} step`).fill(String(step));
}

async function runForm(page: Page, universe: string) {
  await page.getByLabel('Universe').fill(universe);
  await page.getByLabel('First day').fill(period.start);
  await page.getByLabel('Last day').fill(period.end);
  // 50 shares an entry, out on the opposite cross: trades big enough to move the figures.
  await page.getByLabel('sizing fixed value').fill('fixed_quantity');
  await page.getByLabel('quantity fixed value').fill('50');
  await page.getByLabel('exit_on_opposite_signal fixed value').fill('true');
}

/** The page's progress texts while `until` is not visible: what the SSE stream showed on the way. */
async function progressTexts(page: Page, testId: string, until: string, timeout = 150_000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const text =
      (await page
        .getByTestId(testId)
        .textContent()
        .catch(() => null)) ?? '';
    if (text && seen.at(-1) !== text) seen.push(text);
    if (await page.locator(until).count()) {
      seen.push((await page.getByTestId(testId).textContent()) ?? '');
      return seen;
    }
    await page.waitForTimeout(150);
  }
  throw new Error(`${until} did not appear in ${timeout} ms; progress seen: ${seen.join(' | ')}`);
}

interface ApiTrial {
  trial: number;
  rank: number | null;
  parameters: Record<string, number>;
  objective: number | null;
  status: string;
  start: string;
  end: string;
  figures: { sharpe: number | null } | null;
}

describe('the research page in Chromium against pnpm start, on real AAPL and MSFT bars', () => {
  it("refuses a search range outside the parameter schema under its input, and the API's refusal of a too-small grid budget under Budget", async ({ skip }) => {
    skip(!realData, noRealData);
    const page = watched.page;
    await page.getByRole('link', { name: 'Research' }).click();
    await page.getByRole('heading', { name: 'Research', level: 1 }).waitFor();
    await page.getByTestId('parameter-fast').waitFor();
    await runForm(page, 'AAPL, MSFT');
    await searchRange(page, 'fast', 5, 5000, 5);
    await page.getByRole('button', { name: 'Start optimisation' }).click();
    await page.getByTestId('parameter-fast').getByText('fast max must be at most 1000.').waitFor();
    // Within the schema, but 4 x 61 grid points do not fit a budget of 20: the API's 400, under Budget.
    await searchRange(page, 'fast', 5, 20, 5);
    await searchRange(page, 'slow', 30, 90, 1);
    await page.getByRole('button', { name: 'Start optimisation' }).click();
    await page.getByText("20 is below the grid's 244 points").waitFor();
    expect(await page.getByLabel('Budget (trials)').getAttribute('aria-invalid')).toBe('true');
    expect((await adminCall<{ optimizations: unknown[] }>(system, 'GET', '/trading/optimizations')).optimizations).toEqual([]);
    // Chromium logs the refused POST as a failed resource: that one line and nothing else.
    expect(watched.problems).toEqual([expect.stringMatching(/status of 400 \(Bad Request\) \(http:\/\/127\.0\.0\.1:\d+\/trading\/optimizations\)$/)]);
    watched.problems.length = 0;
  });

  it('optimises the moving-average cross on a grid, watches trials done and the best so far over SSE, and shows the trials, heat map, sensitivity and overfitting figures as the API has them', async ({
    skip,
  }) => {
    skip(!realData, noRealData);
    const page = watched.page;
    await page.goto('/app/research');
    await page.getByTestId('parameter-fast').waitFor();
    await runForm(page, 'AAPL, MSFT');
    await searchRange(page, 'fast', 5, 20, 5);
    await searchRange(page, 'slow', 30, 90, 30);
    await page.getByLabel('Budget (trials)').fill('12');
    await page.getByRole('button', { name: 'Start optimisation' }).click();
    await page.getByRole('progressbar', { name: 'Optimisation progress' }).waitFor();
    const seen = await progressTexts(page, 'optimization-progress', '[data-testid="optimization"][data-status="succeeded"]');

    const [run] = (await adminCall<{ optimizations: { id: string }[] }>(system, 'GET', '/trading/optimizations')).optimizations;
    const view = await adminCall<{
      status: string;
      trials: { done: number; budget: number };
      best: ApiTrial;
      overfitting: { trials: number; best_sharpe: number | null; deflated_sharpe: number | null; warning: string | null };
      sensitivity: { parameters: { name: string }[]; heatmap: { x: string; y: string; x_values: number[]; y_values: number[]; best: (number | null)[][] } };
      links: Record<string, string>;
    }>(system, 'GET', `/trading/optimizations/${run!.id}`);
    expect(view.status).toBe('succeeded');
    expect(view.trials).toMatchObject({ done: 12, budget: 12 });
    // The stream's last word: all 12 trials done and the best objective the API ranks first.
    expect(seen.at(-1)).toContain(`trials done 12 of 12`);
    expect(seen.at(-1)).toContain(`best so far ${shown(view.best.objective, 4)}`);
    expect(seen.length).toBeGreaterThan(1);

    // The figures beside each other: the best objective, its Sharpe, the trials and the deflated Sharpe.
    expect(await page.getByTestId('best-objective').textContent()).toBe(shown(view.best.objective, 4));
    expect(await page.getByTestId('best-sharpe').textContent()).toBe(shown(view.overfitting.best_sharpe, 4));
    expect(await page.getByTestId('overfitting-trials').textContent()).toBe(String(view.overfitting.trials));
    expect(await page.getByTestId('deflated-sharpe').textContent()).toBe(shown(view.overfitting.deflated_sharpe, 4));
    const warning = page.getByTestId('overfitting-warning');
    if (view.overfitting.warning) expect(await warning.textContent()).toBe(`Overfitting warning: ${view.overfitting.warning}`);
    else expect(await warning.count()).toBe(0);

    // The heat map: slow (rows) by fast (columns), every cell the API's best objective there.
    const heatmap = view.sensitivity.heatmap;
    expect([heatmap.x, heatmap.y]).toEqual(['fast', 'slow']);
    const cells = page.getByTestId('heatmap').locator('tbody tr');
    expect(await cells.count()).toBe(heatmap.y_values.length);
    for (const [row, values] of heatmap.best.entries()) {
      expect(await cells.nth(row).locator('td').allTextContents()).toEqual(values.map((value) => (value === null ? '—' : shown(value, 3))));
    }
    // One sensitivity chart per searched parameter.
    for (const parameter of view.sensitivity.parameters)
      await page
        .getByRole('img', { name: new RegExp(`against ${parameter.name}$`) })
        .locator('canvas')
        .waitFor();

    // The trials, ranked as the API ranks them; then sorted by Sharpe, highest first, and back.
    const { trials } = await adminCall<{ trials: ApiTrial[] }>(system, 'GET', `/trading/optimizations/${run!.id}/trials`);
    const table = page.getByTestId('trials');
    const firstColumn = async (column: number) =>
      table.locator('tbody tr').evaluateAll((rows, index) => rows.map((row) => row.children[index]?.textContent ?? ''), column);
    expect(await firstColumn(1)).toEqual(trials.map((trial) => String(trial.trial)));
    await table.getByRole('button', { name: 'Sharpe', exact: true }).click();
    const bySharpe = [...trials].filter((trial) => trial.figures?.sharpe != null).sort((a, b) => b.figures!.sharpe! - a.figures!.sharpe! || a.trial - b.trial);
    expect((await firstColumn(1)).slice(0, bySharpe.length)).toEqual(bySharpe.map((trial) => String(trial.trial)));
    expect(await table.locator('th[aria-sort="descending"]').textContent()).toContain('Sharpe');
    await table.getByRole('button', { name: /^Sharpe/ }).click();
    expect((await firstColumn(1)).slice(0, bySharpe.length)).toEqual([...bySharpe].reverse().map((trial) => String(trial.trial)));

    // The export links are the API's.
    const exports = page.getByTestId('optimization-exports');
    expect(await exports.getByRole('link', { name: 'trials (CSV)' }).getAttribute('href')).toBe(view.links.csv);
    expect(await exports.getByRole('link', { name: 'report (JSON)' }).getAttribute('href')).toBe(view.links.json);
    expect(await exports.getByRole('link', { name: 'report (HTML)' }).getAttribute('href')).toBe(view.links.html);
    const csv = await page.request.get(view.links.csv!);
    expect(csv.status()).toBe(200);
    expect((await csv.text()).trim().split('\n')).toHaveLength(13);
    const html = await page.request.get(view.links.html!);
    expect(html.headers()['content-type']).toContain('text/html');
    await page.getByTestId('optimization-figures').scrollIntoViewIfNeeded();
    await screenshot(page, 'research-optimization');
    await page.getByTestId('trials').scrollIntoViewIfNeeded();
    await screenshot(page, 'research-trials');
    await expectCleanPage(watched);
  }, 240_000);

  it("opens the best trial's backtest report in one click: the trial's parameters over its period", async ({ skip }) => {
    skip(!realData, noRealData);
    const page = watched.page;
    const [run] = (await adminCall<{ optimizations: { id: string }[] }>(system, 'GET', '/trading/optimizations')).optimizations;
    const { trials } = await adminCall<{ trials: ApiTrial[] }>(system, 'GET', `/trading/optimizations/${run!.id}/trials`);
    const best = trials[0]!;
    await page.getByRole('button', { name: `Backtest report of trial ${best.trial}`, exact: true }).click();
    const report = page.getByTestId('trial-backtest').getByTestId('backtest-report');
    await report.waitFor({ timeout: 90_000 });
    expect(await report.getByRole('heading', { level: 2 }).textContent()).toBe(`Backtest of research moving_average_crossover: ${best.start} to ${best.end}`);
    // The backtest the click started ran the trial's parameters.
    const jobs = await adminCall<{ jobs: { id: string; kind: string; params: { strategy: { parameters: Record<string, unknown> } } }[] }>(
      system,
      'GET',
      '/jobs?kind=trading-backtest&limit=1',
    );
    expect(jobs.jobs[0]!.params.strategy.parameters).toMatchObject(best.parameters);
    await report.scrollIntoViewIfNeeded();
    await screenshot(page, 'research-trial-backtest');
    await expectCleanPage(watched);
  }, 240_000);

  it('runs a rolling walk-forward and shows the stitched out-of-sample curve, the efficiency and the parameters chosen per window as the API has them', async ({
    skip,
  }) => {
    skip(!realData, noRealData);
    const page = watched.page;
    await page.goto('/app/research/walk-forwards');
    await page.getByTestId('parameter-fast').waitFor();
    await runForm(page, 'AAPL');
    await searchRange(page, 'fast', 5, 20);
    await searchRange(page, 'slow', 30, 90);
    await page.getByLabel('Method').selectOption('random');
    await page.getByLabel('Budget (trials)').fill('4');
    await page.getByLabel('Seed').fill('7');
    await page.getByLabel('In-sample sessions').fill('250');
    await page.getByLabel('Out-of-sample sessions').fill('125');
    await page.getByRole('button', { name: 'Start walk-forward' }).click();
    await page.getByRole('progressbar', { name: 'Walk-forward progress' }).waitFor();
    await progressTexts(page, 'walk-forward-progress', '[data-testid="walk-forward"][data-status="succeeded"]', 200_000);

    const [run] = (await adminCall<{ walk_forwards: { id: string }[] }>(system, 'GET', '/trading/walk-forwards')).walk_forwards;
    const view = await adminCall<{
      windows: { window: number; parameters: Record<string, unknown> | null; in_sample: { start: string }; out_of_sample: { end: string } }[];
      out_of_sample_equity: unknown[];
      walk_forward_efficiency: number | null;
      out_of_sample: { sharpe: number | null } | null;
      in_sample: { sharpe: number | null } | null;
      links: Record<string, string>;
    }>(system, 'GET', `/trading/walk-forwards/${run!.id}`);
    expect(view.windows.length).toBeGreaterThan(1);
    expect(view.out_of_sample_equity.length).toBeGreaterThan(100);
    expect(await page.getByTestId('efficiency').textContent()).toBe(shown(view.walk_forward_efficiency, 3));
    expect(await page.getByTestId('out-of-sample').locator('.figure').textContent()).toBe(`Sharpe ${shown(view.out_of_sample?.sharpe, 3)}`);
    expect(await page.getByTestId('in-sample').locator('.figure').textContent()).toBe(`Sharpe ${shown(view.in_sample?.sharpe, 3)}`);
    expect(await page.getByTestId('windows').getByTestId('window-parameters').allTextContents()).toEqual(
      view.windows.map((window) => shownParameters(window.parameters)),
    );
    await page.getByRole('img', { name: 'Stitched out-of-sample equity' }).locator('canvas').waitFor();
    await page.getByRole('img', { name: 'In-sample and out-of-sample annualised return per window' }).locator('canvas').waitFor();
    const exports = page.getByTestId('walk-forward-exports');
    expect(await exports.getByRole('link', { name: 'windows (CSV)' }).getAttribute('href')).toBe(view.links.csv);
    expect(await exports.getByRole('link', { name: 'report (HTML)' }).getAttribute('href')).toBe(view.links.html);
    const equityCsv = await page.request.get((await exports.getByRole('link', { name: 'out-of-sample equity (CSV)' }).getAttribute('href')) as string);
    expect((await equityCsv.text()).trim().split('\n')).toHaveLength(view.out_of_sample_equity.length + 1);
    await page.getByTestId('walk-forward-figures').scrollIntoViewIfNeeded();
    await screenshot(page, 'research-walk-forward');
    await page.getByTestId('windows').scrollIntoViewIfNeeded();
    await screenshot(page, 'research-walk-forward-windows');
    await expectCleanPage(watched);
  }, 240_000);

  async function lookaheadCheck(page: Page, code: string) {
    await page.goto('/app/research/lookahead');
    await page.getByLabel('Strategy code').selectOption(code);
    await page.getByLabel('Universe').fill('AAPL');
    await page.getByLabel('First day').fill(period.start);
    await page.getByLabel('Last day').fill(period.end);
    await page.getByLabel('Signals checked').fill('6');
    await page.getByRole('button', { name: 'Run lookahead check' }).click();
    await page.locator('[data-testid="lookahead"]:is([data-status="succeeded"], [data-status="failed"])').waitFor({ timeout: 200_000 });
    const [run] = (await adminCall<{ lookahead_checks: { id: string }[] }>(system, 'GET', '/trading/lookahead-checks')).lookahead_checks;
    const check = await adminCall<{
      status: string;
      error: string | null;
      result: { biased: boolean; verdict: string; checked: number; signals: number; flagged: { day: string }[] };
    }>(system, 'GET', `/trading/lookahead-checks/${run!.id}`);
    expect(check.status, check.error ?? '').toBe('succeeded');
    const verdict = page.getByTestId('lookahead-verdict');
    await verdict.waitFor();
    expect(await verdict.textContent()).toBe(check.result.verdict);
    expect(await verdict.getAttribute('data-biased')).toBe(String(check.result.biased));
    await page.getByText(`${check.result.checked} of ${check.result.signals} decisions rerun on cut data; ${check.result.flagged.length} changed.`).waitFor();
    return check.result;
  }

  it('runs a lookahead check of the moving-average cross and shows the clean verdict the API gives', async ({ skip }) => {
    skip(!realData, noRealData);
    // The built-in cross reads only bars it was shown: no decision changes.
    expect((await lookaheadCheck(watched.page, 'moving_average_crossover')).biased).toBe(false);
    expect(await watched.page.getByRole('alert').count()).toBe(0);
    await screenshot(watched.page, 'research-lookahead');
    await expectCleanPage(watched);
  }, 240_000);

  it('flags a strategy that reads bars ahead of its decisions, as the API does, with each changed decision', async ({ skip }) => {
    skip(!realData, noRealData);
    const result = await lookaheadCheck(watched.page, 'week_ahead_peeker');
    expect(result.biased).toBe(true);
    expect(await watched.page.getByRole('alert').textContent()).toBe(result.verdict);
    expect(await watched.page.getByTestId('lookahead-flagged').locator('tbody tr td:first-child').allTextContents()).toEqual(
      result.flagged.map((flag) => flag.day),
    );
    await screenshot(watched.page, 'research-lookahead-biased');
    await expectCleanPage(watched);
  }, 240_000);

  it('shows a viewer the runs and their figures but no control that starts or cancels one', async ({ skip }) => {
    skip(!realData, noRealData);
    const other = await openPage(chromium.browser, system.url);
    try {
      await signIn(other.page, viewer.username, viewer.password);
      await other.page.getByRole('link', { name: 'Research' }).click();
      await other.page.getByTestId('recent-optimizations').waitFor();
      expect(await other.page.getByRole('button', { name: 'Start optimisation' }).count()).toBe(0);
      await other.page.getByTestId('recent-optimizations').getByRole('button', { name: 'Open' }).first().click();
      await other.page.getByTestId('trials').waitFor();
      expect(await other.page.getByRole('button', { name: /^Backtest report/ }).count()).toBe(0);
      expect(await other.page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
      await expectCleanPage(other);
    } finally {
      await other.context.close();
    }
  });
});
