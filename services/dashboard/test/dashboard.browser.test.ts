import { generateStockRows, sharedDataPath } from '@closecross/tests/support';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, launchChromium, openPage, screenshot, watchPage, type BrowserSession, type WatchedPage } from './support/browser.ts';
import { adminCall, dailyBars, startSystem, type RunningSystem } from './support/local-system.ts';

// One real system (as `pnpm start` runs it) and one Chromium for the whole file: each start costs
// seconds on two cores, and every test signs in through the page anyway.
let system: RunningSystem;
let chromium: BrowserSession;
let browser: Browser;
const opened: WatchedPage[] = [];
const viewer = { username: 'vera', password: 'a viewer passphrase' };

beforeAll(async () => {
  // The alert test's webhook receiver listens on 127.0.0.1: loopback targets allowed explicitly, as the alerts tests do.
  [system, chromium] = await Promise.all([startSystem({ ALERTS_WEBHOOK_ALLOW_NETWORKS: 'loopback' }), launchChromium()]);
  browser = chromium.browser;
  await adminCall(system, 'POST', '/auth/users', { ...viewer, role: 'viewer' });
  await adminCall(system, 'POST', '/stock_data/', { commit: true, data: generateStockRows({ dateIds: [0, 1, 2, 3], stocks: 4, buckets: 55 }) });
  await adminCall(system, 'POST', '/price_bars/SYNTH', dailyBars(800));
  await adminCall(system, 'POST', '/price_bars/UPCO', pastWeekdayBars());
  await adminCall(system, 'POST', '/trading/accounts', { id: 'paper', name: 'Paper' });
}, 180_000);

/**
 * Today's date in the desk's zone (New York), as POST /price_bars/ judges "after today": no bar is
 * ever dated later, whatever the real day and hour the file runs on.
 */
function deskToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The latest weekday up to the desk's today (the P&L test's snapshots start there). */
const latestWeekday = (() => {
  let day = deskToday();
  while ([0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay())) day = addDays(day, -1);
  return day;
})();

/** Flat weekday bars of an NYSE name up to the latest weekday (past bars only: charts and the strategy editor's universe). */
function pastWeekdayBars() {
  const dates: string[] = [];
  for (let day = latestWeekday; dates.length < 23; day = addDays(day, -1)) if (![0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay())) dates.unshift(day);
  return dates.map((date) => ({ date, open: 100, high: 100.2, low: 99.8, close: 100, adj_close: 100, volume: 1_000_000 }));
}

/**
 * BTC-PERP daily bars, one a calendar day (crypto trades every day), ending on the desk's today:
 * a swaying month near the replay file's prices (so VaR has returns to measure), then three rising
 * candles (three white soldiers) on the last three days, so a scan as of today signals a buy whose
 * entry window runs to the end of the next UTC day.
 */
function btcSoldierBars() {
  const today = deskToday();
  const sway = Array.from({ length: 27 }, (_, index) => Math.round(46_000 + 700 * Math.sin(index * 1.7)));
  const closes = [...sway, sway.at(-1)! + 500, sway.at(-1)! + 1_000, sway.at(-1)! + 1_500];
  return closes.map((close, index) => {
    const open = index === 0 ? close : closes[index - 1]!;
    return {
      date: addDays(today, index - closes.length + 1),
      open,
      high: Math.max(open, close) + 100,
      low: Math.min(open, close) - 100,
      close,
      adj_close: close,
      volume: 1_000,
    };
  });
}

/** The replay provider plays the recorded minute bars of ../shared/data/intraday as live prices (absent: the tests that fill skip). */
const replayData = existsSync(fileURLToPath(new URL('../../../../shared/data/intraday/', import.meta.url)));
const noReplayData = 'no ../shared/data/intraday: paper orders fill only from live prices, which the replay provider plays from it';

/** BTC-PERP on the replay provider, subscribed once through the API (crypto fills at any hour, any day). */
let btcSubscribed: Promise<unknown> | undefined;
function subscribeBtc(): Promise<unknown> {
  btcSubscribed ??= adminCall(system, 'POST', '/prices/subscriptions', { provider: 'replay', symbol: 'BTC-PERP', channels: ['trades', 'quotes'] });
  return btcSubscribed;
}

/** Money as the dashboard shows it (dollars, cents at most). */
const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 2 });

async function finishedJob(id: string): Promise<{ status: string; error: string | null }> {
  for (;;) {
    const job = await adminCall<{ status: string; error: string | null }>(system, 'GET', `/jobs/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

afterAll(async () => {
  await Promise.all(opened.map((watched) => watched.context.close()));
  await chromium?.close();
  await system?.stop();
});

async function page(): Promise<WatchedPage> {
  const watched = await openPage(browser, system.url);
  opened.push(watched);
  return watched;
}

/**
 * A new page in the admin's one signed-in context: sign-in is limited to 10 a minute per address,
 * and each test still starts from a fresh page (own console, own app state) on the overview.
 */
let adminContext: BrowserContext | undefined;
let previousAdminPage: Page | undefined;
async function adminPage(): Promise<WatchedPage> {
  // The previous test's page would keep polling the API: closed, so pages do not pile up on two cores.
  await previousAdminPage?.close();
  if (!adminContext) {
    const first = await page();
    await signIn(first.page, 'admin', system.password);
    adminContext = first.context;
    previousAdminPage = first.page;
    return first;
  }
  const watched = await watchPage(adminContext);
  previousAdminPage = watched.page;
  await watched.page.goto('/app');
  await watched.page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  return watched;
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/app');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
}

/** No console error, no uncaught exception, no serious or critical axe violation. */
async function expectCleanPage(watched: WatchedPage): Promise<void> {
  const violations = (await accessibilityViolations(watched.page)).filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  expect(violations).toEqual([]);
  expect(watched.problems).toEqual([]);
}

interface SquareOffRecord {
  status: 'done' | 'incomplete';
  result: { remaining: { positions: { symbol: string; quantity: number; reason: string }[]; open_orders: { order_id: string; reason: string }[] } };
}

/** The page's square-off message says the API's status, and lists each thing the API says remains with its reason. */
async function expectSquareOffAsTheApiSays(page: Page): Promise<SquareOffRecord> {
  const [latest] = (await adminCall<{ square_offs: SquareOffRecord[] }>(system, 'GET', '/trading/square-offs')).square_offs;
  const outcome = page.getByTestId('square-off-outcome');
  expect(await outcome.getAttribute('data-status')).toBe(latest!.status);
  const text = (await outcome.textContent()) ?? '';
  if (latest!.status === 'incomplete') {
    expect(text).toMatch(/^Square-off incomplete after [\d.]+ s: /);
    expect(text).not.toMatch(/Square-off done/);
    for (const position of latest!.result.remaining.positions)
      expect(text).toContain(`${position.symbol} ${position.quantity} held (soldiers): ${position.reason}`);
    for (const order of latest!.result.remaining.open_orders) expect(text).toContain(`order ${order.order_id.slice(0, 8)}`);
    expect(text).toMatch(/Since then: (nothing open now|now \d+ positions? and \d+ open orders?)\./);
  } else {
    expect(text).toMatch(/^Square-off done in [\d.]+ s: .*nothing open\.$/);
    await page.getByText('No open position.').waitFor({ timeout: 30_000 });
  }
  return latest!;
}

describe('the dashboard in Chromium against pnpm start', () => {
  it('signs in with the platform session and shows the overview with the user and role', async () => {
    const watched = await page();
    await watched.page.goto('/app');
    await expectCleanPage(watched);
    await watched.page.getByLabel('Username').fill('admin');
    await watched.page.getByLabel('Password').fill('not the password at all');
    await watched.page.getByRole('button', { name: 'Sign in' }).click();
    await expect(watched.page.getByRole('alert').textContent()).resolves.toContain('Wrong username or password');
    // A mistyped password is an answer, not a failed request: nothing in the console.
    expect(watched.problems).toEqual([]);
    await signIn(watched.page, 'admin', system.password);
    expect(await watched.page.getByTestId('desk-zone').textContent()).toMatch(/^Times in E[SD]T$/);
    expect(await watched.page.getByTestId('desk-zone').locator('abbr').getAttribute('data-zone')).toBe('America/New_York');
    expect(await watched.page.getByTestId('user').textContent()).toBe('admin');
    expect(await watched.page.getByTestId('role').textContent()).toBe('admin');
    await watched.page.getByRole('heading', { name: 'Jobs running' }).waitFor();
    await watched.page.getByText('No job running.').waitFor();
    await watched.page.getByTestId('trading-state').getByText('Trading is').waitFor();
    expect(await watched.page.getByRole('button', { name: 'Square off…' }).count()).toBe(1);
    await screenshot(watched.page, 'overview');
    // A reload keeps the session (cookie) and the page (the server answers index.html for app routes).
    await watched.page.goto('/app/fleet');
    await watched.page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
    await watched.page.getByRole('heading', { name: 'Workers' }).waitFor();
    await watched.page.locator('table').first().waitFor();
    await screenshot(watched.page, 'fleet');
    await expectCleanPage(watched);
  });

  it('starts a training from the models page and watches its progress over SSE to the end', async () => {
    const watched = await adminPage();
    await watched.page.getByRole('link', { name: 'Models' }).click();
    await watched.page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();
    await watched.page.getByLabel('Model name').fill('xgb_browser');
    await watched.page.getByLabel('First day').fill('0');
    await watched.page.getByLabel('Last day').fill('3');
    await watched.page.getByLabel('Rounds').fill('20');
    await watched.page.getByRole('button', { name: 'Train' }).click();
    const progress = watched.page.getByRole('progressbar', { name: 'Training progress' });
    await progress.waitFor();
    await watched.page.locator('.job-progress[data-status="succeeded"]').waitFor({ timeout: 90_000 });
    expect(await progress.getAttribute('value')).toBe('1');
    await watched.page.getByTestId('model-reports').getByText('xgb_browser').waitFor();
    await screenshot(watched.page, 'models');
    await expectCleanPage(watched);
  });

  it('runs a VaR analysis with its parameters and backend, watches it, and draws VaR 95/99 per signal', async () => {
    const watched = await adminPage();
    await watched.page.getByRole('link', { name: 'Risk', exact: true }).click();
    await watched.page.getByRole('link', { name: 'VaR analysis (reference)' }).click();
    await watched.page.getByLabel('Symbol').selectOption('SYNTH');
    await watched.page.getByLabel('Shots d').fill('2000');
    await watched.page.getByLabel('Resources r').fill('2');
    await watched.page.getByLabel('Seed').fill('42');
    await watched.page.getByRole('button', { name: 'Run analysis' }).click();
    await watched.page.getByRole('progressbar', { name: 'Analysis progress' }).waitFor();
    const result = watched.page.getByTestId('var-result');
    await result.waitFor({ timeout: 90_000 });
    await result.locator('canvas').first().waitFor();
    expect(await result.textContent()).toMatch(/average VaR 95 -?\d/);
    // The audit lists the run.
    await watched.page.getByRole('cell', { name: 'SYNTH' }).first().waitFor();
    await screenshot(watched.page, 'risk-var-analysis');
    await expectCleanPage(watched);
  });

  it('draws daily candles and the auction explorer on the market data page', async () => {
    const watched = await adminPage();
    await watched.page.getByRole('link', { name: 'Market data' }).click();
    await watched.page
      .getByRole('img', { name: /Daily candles of SYNTH/ })
      .locator('canvas')
      .first()
      .waitFor();
    await watched.page.getByLabel('Stock (stock_id)').fill('1');
    await watched.page.getByLabel('Day (date_id)').fill('2');
    await watched.page.getByRole('button', { name: 'Show' }).click();
    await watched.page
      .getByRole('img', { name: /Reference price, WAP/ })
      .locator('canvas')
      .waitFor();
    await screenshot(watched.page, 'market-data');
    await expectCleanPage(watched);
  });

  it('imports auction rows from a CSV whose every field is quoted (a spreadsheet export), and the API has them', async ({ skip }) => {
    const file = sharedDataPath('data/optiver/train_sample_krithiktoure.csv');
    if (!file) return skip('the shared Optiver rows are not on this machine');
    const [header, ...lines] = (await readFile(file, 'utf8')).split(/\r?\n/);
    // Stock 10 on day 1: rows no other test writes (the synthetic rows are stocks 0-3, days 0-3).
    const picked = lines.filter((line) => line.startsWith('10,1,')).slice(0, 2);
    expect(picked).toHaveLength(2);
    const quoted = (line: string) =>
      line
        .split(',')
        .map((cell) => `"${cell}"`)
        .join(',');
    const text = [header!, ...picked].map(quoted).join('\r\n') + '\r\n';
    const watched = await adminPage();
    await watched.page.getByRole('link', { name: 'Market data' }).click();
    await watched.page.getByLabel('File').setInputFiles({ name: 'auction-quoted.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
    await watched.page.getByRole('button', { name: 'Import' }).click();
    await expect(watched.page.getByRole('status').filter({ hasText: 'rows sent' }).textContent()).resolves.toBe('2 rows sent, 2 new or changed.');
    const stored = await adminCall<{ data: { seconds_in_bucket: number; wap: number | null; row_id: string | null }[] }>(
      system,
      'GET',
      '/stock_data/?stock_id=10&date_id=1&page=1&page_size=10',
    );
    const columns = header!.split(',');
    const expected = picked.map((line) => Object.fromEntries(line.split(',').map((cell, index) => [columns[index]!, cell])));
    expect(stored.data.map((row) => [row.seconds_in_bucket, row.wap, row.row_id]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(
      expected.map((row) => [Number(row.seconds_in_bucket), Number(row.wap), row.row_id]),
    );
    await expectCleanPage(watched);
  });

  it('approves a pending BTC-PERP signal, sees its order fill at a live price and the position appear, then squares off and shows the outcome the API gives', async ({
    skip,
  }) => {
    skip(!replayData, noReplayData);
    // Live prices first: an approved signal enters as a market order of the session still ahead and fills at the first live price after it.
    await subscribeBtc();
    await adminCall(system, 'POST', '/price_bars/BTC-PERP', btcSoldierBars());
    const strategy = await adminCall<{ id: number }>(system, 'POST', '/trading/strategies', {
      name: 'soldiers',
      account_id: 'paper',
      universe: ['BTC-PERP'],
      rule: { kind: 'three_candles', body: 0.5 },
      side_policy: 'long_only',
      warmup_bars: 10,
      schedule: null,
      approval: 'manual',
      entry: { timing: 'close' },
      sizing: { mode: 'fixed_quantity', quantity: 0.5 },
      exits: { after_bars: 50 },
      allocation: 25_000,
      enabled: true,
    });
    const scan = await adminCall<{ job_id: string }>(system, 'POST', `/trading/strategies/${strategy.id}/scans`, { as_of: deskToday() });
    expect(await finishedJob(scan.job_id)).toMatchObject({ status: 'succeeded' });

    const watched = await adminPage();
    await watched.page.getByRole('link', { name: 'Signals' }).click();
    await watched.page.getByRole('button', { name: 'Approve BTC-PERP' }).click();
    await watched.page.getByText('No signal waits for a decision.').waitFor();
    await watched.page.getByRole('link', { name: 'Orders & positions' }).click();
    const [order] = (await adminCall<{ orders: { id: string; session_date: string }[] }>(system, 'GET', `/trading/orders?strategy_id=${strategy.id}`)).orders;
    const orderRow = watched.page.getByTestId(`order-${order!.id}`);
    await orderRow.getByText('filled', { exact: true }).waitFor({ timeout: 45_000 });
    // The figures as the API has them: the fill's quantity and price, the position's quantity and average cost.
    const filled = await adminCall<{ order: { state: string; filled_quantity: number }; fills: { quantity: number; price: number }[] }>(
      system,
      'GET',
      `/trading/orders/${order!.id}`,
    );
    expect(filled.order).toMatchObject({ state: 'filled', filled_quantity: 0.5 });
    const { positions } = await adminCall<{ positions: { symbol: string; strategy_id: number | null; quantity: number; average_cost: number }[] }>(
      system,
      'GET',
      '/trading/positions',
    );
    const position = positions.find((row) => row.symbol === 'BTC-PERP' && row.strategy_id === strategy.id);
    expect(position).toMatchObject({ quantity: 0.5 });
    // A live BTC price of the replayed month (January 2022 traded between about 32,000 and 48,000), not the daily bars' 47,500.
    expect(position!.average_cost).toBeGreaterThan(30_000);
    expect(position!.average_cost).toBeLessThan(50_000);
    const positionRow = watched.page.getByTestId('positions').getByRole('row').filter({ hasText: 'BTC-PERP' });
    await positionRow.waitFor();
    const cells = await positionRow.getByRole('cell').allTextContents();
    expect(cells.slice(0, 4)).toEqual(['BTC-PERP', 'soldiers', '0.5', money.format(position!.average_cost)]);
    // Names, not ids; the order's session as the API has it; times in the desk's zone with its label.
    await expect.poll(() => orderRow.textContent()).toContain('soldiers');
    expect(await orderRow.textContent()).toContain(order!.session_date);
    expect(await orderRow.textContent()).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d E[SD]T/);
    await screenshot(watched.page, 'orders-and-positions');

    // An NYSE order too: cancelled by the square-off whether the NYSE is open (no live UPCO price comes) or shut (it waits for the open).
    const nyseOrder = await adminCall<{ id: string }>(system, 'POST', '/trading/orders', {
      account_id: 'paper',
      symbol: 'UPCO',
      side: 'buy',
      quantity: 3,
      type: 'limit',
      limit_price: 90,
      time_in_force: 'gtc',
    });
    await watched.page.getByRole('link', { name: 'Overview' }).click();
    await watched.page.getByRole('cell', { name: 'BTC-PERP' }).waitFor();
    await watched.page.getByRole('button', { name: 'Square off…' }).click();
    await watched.page.getByLabel('Type SQUARE OFF to confirm').fill('SQUARE OFF');
    await watched.page.getByLabel('Reason').fill('browser test');
    await watched.page.getByRole('button', { name: 'Square off everything' }).click();
    // While the API works (up to its deadline), the page counts the seconds and what is still open.
    await watched.page.locator('[data-testid="square-off-outcome"][data-status="running"]').waitFor();
    const outcome = watched.page.locator('[data-testid="square-off-outcome"]:not([data-status="running"])');
    await outcome.waitFor({ timeout: 60_000 });
    // Done or incomplete is the API's call for this moment (a closing order waits while its market is shut): the page says the same.
    const latest = await expectSquareOffAsTheApiSays(watched.page);
    // BTC-PERP trades at any hour: its closing order fills on the next live tick, so it is never what remains.
    expect(latest.result.remaining.positions.filter((remaining) => remaining.symbol === 'BTC-PERP')).toEqual([]);
    expect((await adminCall<{ order: { state: string } }>(system, 'GET', `/trading/orders/${nyseOrder.id}`)).order.state).toBe('cancelled');
    await watched.page.getByTestId('trading-state').getByText('halted').waitFor();
    await screenshot(watched.page, 'square-off');
    await expectCleanPage(watched);
  });

  it('after the square-off, shows what is held apart from open orders and each strategy state as the API has them, and a halted banner over a disabled order form', async ({
    skip,
  }) => {
    // Follows the square-off above, which needs live prices.
    skip(!replayData, noReplayData);
    const watched = await adminPage();
    await watched.page.getByRole('link', { name: 'Risk', exact: true }).click();
    const central = watched.page.getByTestId('central-risk');
    await central.waitFor();
    const positions = (await adminCall<{ positions: { symbol: string; quantity: number }[] }>(system, 'GET', '/trading/positions')).positions.filter(
      (position) => position.quantity !== 0,
    );
    const risk = await adminCall<{ symbols: { symbol: string; quantity: number }[]; strategies: { strategy_id: number | null; name: string }[] }>(
      system,
      'GET',
      '/trading/risk',
    );
    const { states } = await adminCall<{ states: { strategy_id: number | null; state: string }[] }>(system, 'GET', '/trading/state');
    const global = states.find((view) => view.strategy_id === null)?.state ?? 'active';
    expect(global).toBe('halted');
    const held = new Map<string, number>();
    for (const position of positions) held.set(position.symbol, (held.get(position.symbol) ?? 0) + position.quantity);
    if (held.size === 0 && risk.symbols.length === 0) await central.getByText('Nothing held and no open order.').waitFor();
    for (const [symbol, quantity] of held) {
      // Held is the filled quantity, whatever open orders would make of it (a waiting close nets the API's figure to 0).
      const cells = await central.getByTestId(`exposure-${symbol}`).getByRole('cell').allTextContents();
      expect(cells[1]).toBe(quantity.toLocaleString('en-US', { maximumFractionDigits: 4 }));
      const ifFilled = risk.symbols.find((row) => row.symbol === symbol)?.quantity ?? 0;
      expect(cells[3]).toBe(ifFilled.toLocaleString('en-US', { maximumFractionDigits: 4 }));
    }
    // A strategy's state reads as in the state table (its own), with what halting all trading makes of it.
    for (const strategy of risk.strategies.filter((row) => row.strategy_id !== null)) {
      const own = states.find((view) => view.strategy_id === strategy.strategy_id)?.state ?? 'active';
      const shown = await central.getByTestId(`exposure-strategy-${strategy.strategy_id}`).getByRole('cell').nth(1).textContent();
      expect(shown).toBe(own === 'halted' ? 'halted' : `${own} (all trading halted)`);
      expect(await watched.page.getByTestId(`state-strategy-${strategy.strategy_id}`).locator('.status').textContent()).toBe(own);
    }
    await screenshot(watched.page, 'risk-after-square-off');

    await watched.page.getByRole('link', { name: 'Orders & positions' }).click();
    const banner = watched.page.getByTestId('halted-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(
      /^Trading is halted since .* New orders are refused until someone with the risk scope resumes trading on the Risk page\.$/,
    );
    expect(await watched.page.getByRole('button', { name: 'Place order' }).isDisabled()).toBe(true);
    expect(await watched.page.getByLabel('Symbol').isDisabled()).toBe(true);
    await screenshot(watched.page, 'orders-halted');
    await expectCleanPage(watched);
  });

  it('resumes halted trading from the risk page only with a reason, then halts it again', async () => {
    await adminCall(system, 'PUT', '/trading/state', { state: 'halted', reason: 'browser test: start halted' });
    const watched = await adminPage();
    await watched.page.getByRole('link', { name: 'Risk', exact: true }).click();
    const global = watched.page.getByTestId('state-global');
    await global.getByText('halted', { exact: true }).waitFor();
    await watched.page.getByRole('button', { name: 'Resume all trading', exact: true }).click();
    await watched.page.getByRole('button', { name: 'Confirm: resume all trading' }).click();
    // No reason: nothing is sent, and the message sits under the reason input.
    await watched.page.getByText('Say why trading may resume: the reason is kept with your name.').waitFor();
    const why = watched.page.getByLabel('Why resume? (kept with your name)');
    expect(await why.getAttribute('aria-invalid')).toBe('true');
    await global.getByText('halted', { exact: true }).waitFor();
    await why.fill('loss reviewed in the browser test');
    await watched.page.getByRole('button', { name: 'Confirm: resume all trading' }).click();
    await global.getByText('active', { exact: true }).waitFor();
    const latestChange = watched.page.getByTestId('state-changes').locator('li').first();
    await expect.poll(() => latestChange.textContent()).toMatch(/all trading: halted → active by admin — loss reviewed in the browser test/);
    await screenshot(watched.page, 'risk-state');

    await watched.page.getByRole('button', { name: 'Halt all trading', exact: true }).click();
    await watched.page.getByLabel('Why halt? (kept with your name)').fill('halted from the browser test');
    await watched.page.getByRole('button', { name: 'Confirm: halt all trading' }).click();
    await global.getByText('halted', { exact: true }).waitFor();
    const { changes } = await adminCall<{ changes: { to_state: string; reason: string; changed_by: string; automatic: boolean }[] }>(
      system,
      'GET',
      '/trading/state?scope=global&limit=2',
    );
    expect(changes).toMatchObject([
      { to_state: 'halted', reason: 'halted from the browser test', changed_by: 'admin', automatic: false },
      { to_state: 'active', reason: 'loss reviewed in the browser test', changed_by: 'admin', automatic: false },
    ]);
    await expectCleanPage(watched);
    await adminCall(system, 'PUT', '/trading/state', { state: 'active', reason: 'browser test: trading on again' });
  });

  it('changes a limit on the risk page, refusing a bad value by field, and sees a manual order refused with the risk reason', async () => {
    await adminCall(system, 'PUT', '/trading/state', { state: 'active', reason: 'browser test: trading on for the limit' });
    // A manual position (BTC-PERP, filled at a live price; without the replay data the book stays flat) and two earlier daily risk snapshots, so the history has a book to draw.
    if (replayData) {
      await subscribeBtc();
      const held = await adminCall<{ id: string }>(system, 'POST', '/trading/orders', {
        account_id: 'paper',
        symbol: 'BTC-PERP',
        side: 'buy',
        quantity: 0.01,
        type: 'market',
        time_in_force: 'day',
      });
      await expect
        .poll(async () => (await adminCall<{ order: { state: string } }>(system, 'GET', `/trading/orders/${held.id}`)).order.state, { timeout: 45_000 })
        .toBe('filled');
    }
    // The two latest trading days before today (the job skips a day the NYSE was shut, so a few more are tried).
    for (let daysAgo = 1; daysAgo <= 10; daysAgo++) {
      const snapshot = await adminCall<{ job_id: string }>(system, 'POST', '/trading/risk/snapshots', { date: addDays(deskToday(), -daysAgo) });
      expect(await finishedJob(snapshot.job_id)).toMatchObject({ status: 'succeeded' });
      if ((await adminCall<{ snapshots: unknown[] }>(system, 'GET', '/trading/risk/history')).snapshots.length >= 2) break;
    }
    const watched = await adminPage();
    await watched.page.getByRole('link', { name: 'Risk', exact: true }).click();
    const editor = watched.page.getByTestId('limits-editor');
    const orderValue = editor.getByLabel('Max order value', { exact: true });
    await orderValue.fill('-5');
    await editor.getByRole('button', { name: 'Save limits' }).click();
    await editor.getByText('Max order value must be 0 or more (empty: no limit).').waitFor();
    await editor.getByText('Say why: the reason is kept in the history of limits.').waitFor();
    expect(await orderValue.getAttribute('aria-invalid')).toBe('true');
    await orderValue.fill('500');
    await editor.getByLabel('Reason for the change').fill('browser test: small orders only');
    await editor.getByRole('button', { name: 'Save limits' }).click();
    await editor.getByText('Saved the limits of all trading.').waitFor();
    await watched.page.getByTestId('limits-history').getByRole('cell', { name: 'browser test: small orders only' }).waitFor();
    await watched.page.getByTestId('central-risk').getByRole('cell', { name: 'Max order value' }).waitFor();
    expect((await adminCall<{ limits: { scope: string; limits: Record<string, number> }[] }>(system, 'GET', '/trading/limits')).limits).toContainEqual(
      expect.objectContaining({ scope: 'global', limits: { max_order_notional: 500 } }),
    );
    // Today's snapshot from the page joins the two earlier days in the history of maximum risk.
    await watched.page.getByRole('button', { name: "Take today's snapshot now" }).click();
    await watched.page.locator('.job-progress[data-status="succeeded"]').waitFor({ timeout: 30_000 });
    const history = watched.page.getByTestId('risk-history');
    // Today's snapshot is a row only on a trading day (none on a weekend or holiday): the page shows as many days as the API keeps.
    await expect
      .poll(async () => (await adminCall<{ snapshots: unknown[] }>(system, 'GET', '/trading/risk/history')).snapshots.length, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
    const kept = (await adminCall<{ snapshots: { gross_exposure: number }[] }>(system, 'GET', '/trading/risk/history')).snapshots;
    // The held position is in the latest day's gross exposure, which the page shows as the API has it.
    if (replayData) expect(kept.at(-1)!.gross_exposure).toBeGreaterThan(0);
    const grossShown = money.format(kept.at(-1)!.gross_exposure).replace(/[$.]/g, '\\$&');
    await expect
      .poll(() => history.textContent(), { timeout: 15_000 })
      .toMatch(new RegExp(`^.*${kept.length} days from .* latest gross exposure ${grossShown}\\.`));
    await history
      .getByRole('img', { name: /History of maximum risk/ })
      .locator('canvas')
      .waitFor();
    await history.scrollIntoViewIfNeeded();
    await screenshot(watched.page, 'risk-limits');

    // SYNTH closes at 1 or more, so 1,000 shares are worth more than 500.
    await watched.page.getByRole('link', { name: 'Orders & positions' }).click();
    await watched.page.getByLabel('Symbol').fill('SYNTH');
    await watched.page.getByLabel('Quantity').fill('1000');
    await watched.page.getByRole('button', { name: 'Place order' }).click();
    const refused = watched.page.getByTestId('order-refused');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(
      /refused by the risk check order_notional: order value [\d,.]+ \(1000 SYNTH at [\d,.]+\) is over the limit 500 per order/,
    );
    await watched.page.getByTestId('orders').getByText('order_notional', { exact: false }).first().waitFor();
    await screenshot(watched.page, 'order-refused');
    await expectCleanPage(watched);
    await adminCall(system, 'PUT', '/trading/limits/global', { limits: {}, reason: 'browser test: limits off again' });
  });

  it("shows the book's live equity and total P&L as the API has them (a day the NYSE is shut has no snapshot), the latest daily snapshot beside, and the P&L from the snapshots", async () => {
    // Snapshots of the last weekdays (the API refuses a day the market was shut, so a few more are tried).
    const day = new Date(`${latestWeekday}T00:00:00Z`);
    for (let tried = 0; tried < 8; tried++) {
      const job = await adminCall<{ job_id: string }>(system, 'POST', '/trading/snapshots', { date: day.toISOString().slice(0, 10) }).catch((error: Error) => {
        if (/answered 400: .*body\/date/.test(error.message)) return null;
        throw error;
      });
      if (job) expect(await finishedJob(job.job_id)).toMatchObject({ status: 'succeeded' });
      if ((await adminCall<{ snapshots: unknown[] }>(system, 'GET', '/trading/snapshots')).snapshots.length >= 2) break;
      do day.setUTCDate(day.getUTCDate() - 1);
      while (day.getUTCDay() === 0 || day.getUTCDay() === 6);
    }
    const { snapshots } = await adminCall<{ snapshots: { scope: string; date: string; equity: number }[] }>(system, 'GET', '/trading/snapshots');
    expect(snapshots.length).toBeGreaterThanOrEqual(1);
    expect(snapshots.every((snapshot) => snapshot.scope === 'total')).toBe(true);
    const latest = snapshots.at(-1)!;
    const watched = await adminPage();
    // The figures are the API's live ones, as the page last received them (marks move with the live feed).
    const received: { risk?: { total: { equity: number } }; positions?: { positions: { realized_pnl: number; unrealized_pnl: number }[] } } = {};
    watched.page.on('response', async (response) => {
      const url = new URL(response.url());
      if (response.request().method() !== 'GET' || !response.ok() || url.search !== '') return;
      if (url.pathname.endsWith('/trading/risk')) received.risk = await response.json();
      else if (url.pathname.endsWith('/trading/positions')) received.positions = await response.json();
    });
    // Away and back: the Overview asks the API again, and this time the answers are seen.
    await watched.page.getByRole('link', { name: 'Orders & positions' }).click();
    await watched.page.getByRole('link', { name: 'Overview' }).click();
    const shown = async (testId: string) => (await watched.page.getByTestId(testId).textContent()) ?? '';
    await expect
      .poll(async () => received.risk !== undefined && (await shown('equity')) === money.format(received.risk.total.equity), { timeout: 30_000 })
      .toBe(true);
    expect(await shown('equity')).not.toBe('—');
    const apiPnl = () => {
      const cents = (received.positions?.positions ?? []).reduce(
        (sum, position) => sum + Math.round(position.realized_pnl * 100) + Math.round(position.unrealized_pnl * 100),
        0,
      );
      return `${cents > 0 ? '+' : ''}${money.format(cents / 100)}`;
    };
    await expect.poll(async () => received.positions !== undefined && (await shown('total-pnl')) === apiPnl(), { timeout: 30_000 }).toBe(true);
    const realized = (received.positions?.positions ?? []).reduce((sum, position) => sum + Math.round(position.realized_pnl * 100), 0) / 100;
    expect(await shown('total-pnl-note')).toContain(`realized ${realized > 0 ? '+' : ''}${money.format(realized)}`);
    expect(await shown('equity-note')).toContain(`last daily snapshot of ${latest.date}: ${money.format(latest.equity)}`);
    // The picture shows the page settled: open positions and the total P&L loaded too.
    await expect.poll(() => watched.page.getByText('Loading…').count(), { timeout: 15_000 }).toBe(0);
    await screenshot(watched.page, 'overview');

    await watched.page.getByRole('link', { name: 'P&L', exact: true }).click();
    const cumulative = latest.equity - snapshots[0]!.equity;
    await expect.poll(() => watched.page.getByTestId('pnl-cumulative').textContent()).toBe(`${cumulative > 0 ? '+' : ''}${money.format(cumulative)}`);
    await watched.page.getByRole('img', { name: 'Cumulative P&L and drawdown' }).locator('canvas').waitFor();
    await screenshot(watched.page, 'pnl');
    await expectCleanPage(watched);
  });

  it('edits a strategy: a refused field under its input, then its rule, sizing, universe and approval, then disables it', async () => {
    const created = await adminCall<{ id: number }>(system, 'POST', '/trading/strategies', {
      name: 'edit-me',
      account_id: 'paper',
      universe: ['SYNTH'],
      rule: { kind: 'moving_average_crossover', fast: 5, slow: 20 },
      side_policy: 'long_only',
      warmup_bars: 30,
      schedule: null,
      approval: 'manual',
      entry: { timing: 'close' },
      sizing: { mode: 'fixed_quantity', quantity: 1 },
      exits: { after_bars: 5 },
      allocation: 5_000,
      enabled: true,
    });
    const watched = await adminPage();
    await watched.page.getByRole('link', { name: 'Strategies' }).click();
    await watched.page.getByRole('button', { name: 'Edit edit-me', exact: true }).click();
    const form = watched.page.getByTestId('edit-strategy');
    expect(await form.getByLabel('Name', { exact: true }).inputValue()).toBe('edit-me');
    await form.getByLabel('Fast', { exact: true }).fill('30');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.getByText('Fast must be shorter than slow (20).').waitFor();
    expect(await form.getByLabel('Fast', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await screenshot(watched.page, 'strategy-edit');
    await form.getByLabel('Fast', { exact: true }).fill('10');
    await form.getByLabel('Slow', { exact: true }).fill('40');
    await form.getByLabel('Quantity (shares)').fill('25');
    await form.getByLabel('Universe').fill('SYNTH, UPCO');
    await form.getByLabel('Approval').selectOption('auto');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await watched.page.getByText('Saved edit-me.').waitFor();
    const row = watched.page.getByTestId('strategy-edit-me');
    await expect.poll(() => row.textContent()).toMatch(/MA crossover 10 \/ 40.*SYNTH, UPCO.*25 shares.*auto/);
    await watched.page.getByRole('button', { name: 'Disable edit-me', exact: true }).click();
    await row.getByRole('cell', { name: 'no', exact: true }).waitFor();
    expect(await adminCall(system, 'GET', `/trading/strategies/${created.id}`)).toMatchObject({
      rule: { kind: 'moving_average_crossover', fast: 10, slow: 40 },
      sizing: { mode: 'fixed_quantity', quantity: 25 },
      universe: ['SYNTH', 'UPCO'],
      approval: 'auto',
      enabled: false,
      warmup_bars: 30,
      schedule: null,
      allocation: 5_000,
    });
    await screenshot(watched.page, 'strategies');
    await expectCleanPage(watched);
  });

  it("a live instance shows its run status and, with no feed for its symbol, what it waits for, in the API's words", async () => {
    const live = await adminCall<{ id: number }>(system, 'POST', '/trading/strategies', {
      name: 'live-synth',
      universe: ['SYNTH'],
      code: 'three_candles',
      mode: 'live',
      interval: '1m',
      schedule: null,
      allocation: 1_000,
      approval: 'manual',
    });
    const watched = await adminPage();
    await watched.page.getByRole('link', { name: 'Strategies' }).click();
    const status = watched.page.getByTestId('strategy-live-synth').getByTestId('live-status');
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(/^live: running, waiting for live prices for SYNTH \(none yet\)/);
    const { strategies } = await adminCall<{ strategies: { strategy_id: number; waiting_for: string | null }[] }>(system, 'GET', '/trading/live-strategies');
    const answered = strategies.find((row) => row.strategy_id === live.id)!;
    expect(await status.textContent()).toBe(`live: running, waiting for ${answered.waiting_for}`);
    await screenshot(watched.page, 'strategies-live');
    await adminCall(system, 'PATCH', `/trading/strategies/${live.id}`, { enabled: false });
    await expectCleanPage(watched);
  });

  it('adds a webhook channel, switches one event off, and sends a test message that arrives', async () => {
    const received: string[] = [];
    const hook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(body);
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const watched = await adminPage();
      await watched.page.getByRole('link', { name: 'Alerts', exact: true }).click();
      await watched.page.getByLabel('Channel name').fill('desk-hook');
      await watched.page.getByLabel('Webhook URL').fill(`http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`);
      await watched.page.getByRole('button', { name: 'Add channel' }).click();
      await watched.page.getByText('Added desk-hook.').waitFor();
      const jobSucceeded = watched.page.getByRole('checkbox', { name: 'job succeeded to desk-hook' });
      expect(await jobSucceeded.isChecked()).toBe(true);
      await jobSucceeded.uncheck();
      await expect
        .poll(
          async () =>
            (await adminCall<{ channels: { name: string; events: Record<string, boolean> }[] }>(system, 'GET', '/alerts/channels')).channels.find(
              (channel) => channel.name === 'desk-hook',
            )?.events,
        )
        .toMatchObject({ job_succeeded: false, order_rejected: true });
      await watched.page.getByRole('button', { name: 'Send a test message to desk-hook' }).click();
      await watched.page.getByText('Test message: sent to desk-hook.').waitFor({ timeout: 20_000 });
      expect(received.some((body) => body.includes('Test from the Closecross dashboard to desk-hook'))).toBe(true);
      await watched.page.getByTestId('alerts').getByRole('cell', { name: 'Test from the Closecross dashboard to desk-hook' }).waitFor();
      await screenshot(watched.page, 'alerts');
      await expectCleanPage(watched);
    } finally {
      await new Promise((resolve) => hook.close(resolve));
    }
  });

  it('adds a live subscription and sees the price move in the live table and chart', async ({ skip }) => {
    skip(!replayData, noReplayData);
    const watched = await adminPage();
    await watched.page.getByRole('link', { name: 'Live prices' }).click();
    await watched.page.getByLabel('Provider').selectOption('replay');
    await watched.page.getByLabel('Symbol').fill('AAPL');
    await watched.page.getByRole('button', { name: 'Subscribe' }).click();
    const price = watched.page.getByTestId('price-AAPL');
    await expect.poll(async () => (await price.textContent()) ?? '—', { timeout: 45_000 }).toMatch(/^\$\d/);
    const first = await price.textContent();
    await expect.poll(async () => price.textContent(), { timeout: 45_000 }).not.toBe(first);
    await watched.page.getByRole('img', { name: 'Live price of AAPL' }).locator('canvas').waitFor();
    await screenshot(watched.page, 'live-prices');
    await expectCleanPage(watched);
  });

  it('shows a viewer no trading, training or risk controls', async () => {
    const watched = await page();
    await signIn(watched.page, viewer.username, viewer.password);
    expect(await watched.page.getByTestId('role').textContent()).toBe('viewer');
    for (const [link, heading] of [
      ['Overview', 'Overview'],
      ['Signals', 'Signals'],
      ['Orders & positions', 'Orders and positions'],
      ['Strategies', 'Strategies'],
      ['Models', 'Models'],
      ['Risk', 'Risk'],
      ['Alerts', 'Alerts'],
    ] as const) {
      await watched.page.getByRole('link', { name: link, exact: true }).click();
      await watched.page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await expect.poll(() => watched.page.getByText('Loading…').count(), { timeout: 15_000 }).toBe(0);
      for (const control of [
        'Approve',
        'Reject',
        'Place order',
        'Scan now',
        'Backtest',
        'Create',
        'Train',
        'Run analysis',
        'Cancel',
        'Halt',
        'Reduce only',
        'Resume',
        'Square off…',
        'Save limits',
        'Take today',
        'Edit',
        'Disable',
        'Send test',
        'Add channel',
      ]) {
        expect(await watched.page.getByRole('button', { name: control }).count(), `${control} on ${heading}`).toBe(0);
      }
    }
    // Limits as text for a viewer: no input that looks editable.
    await watched.page.getByRole('link', { name: 'Risk', exact: true }).click();
    const limits = watched.page.getByTestId('limits-editor');
    await limits.getByTestId('limits-read-only').waitFor();
    expect(await limits.getByRole('textbox').count()).toBe(0);
    expect(await limits.getByRole('cell', { name: 'no limit' }).count()).toBeGreaterThan(0);
    await watched.page.getByRole('link', { name: 'Orders & positions' }).click();
    await watched.page.getByRole('heading', { name: 'Positions', exact: true }).waitFor();
    await screenshot(watched.page, 'viewer-orders');
    await expectCleanPage(watched);
  });
});
