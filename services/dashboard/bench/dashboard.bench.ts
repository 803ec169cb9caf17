/**
 * The dashboard's numbers: JavaScript shipped on first load (gzip), time until the overview is
 * usable against `pnpm start`, and the candle (10 years of daily bars) and P&L (5,000 days) charts'
 * time to first paint, measured in Chromium. BENCH_RUNS runs each browser figure (median).
 * SAVE_SCREENSHOTS=1 also refreshes docs/screenshots from the bench's own pages.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { benchSize, median } from '@closecross/tests/support';
import { distDir, ensureDashboardBuilt } from '../src/dashboard-build.ts';
import { launchChromium, openPage, screenshot } from '../test/support/browser.ts';
import { adminCall, startSystem } from '../test/support/local-system.ts';

const runs = benchSize('BENCH_RUNS', 5, 1);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

// 1. First load: the entry script, the chunks it preloads and the CSS, as the server gzips them.
await ensureDashboardBuilt(console.log);
const html = await readFile(path.join(distDir, 'index.html'), 'utf8');
const firstLoad = [...html.matchAll(/(?:src|href)="\/app\/(assets\/[^"]+\.(?:js|css))"/g)].map((match) => match[1]!);
let firstLoadGzip = 0;
let firstLoadRaw = 0;
for (const file of firstLoad) {
  const body = await readFile(path.join(distDir, file));
  firstLoadRaw += body.length;
  firstLoadGzip += gzipSync(body, { level: 9 }).length;
}
console.log(`first load: ${firstLoad.length} files, ${kb(firstLoadRaw)} raw, ${kb(firstLoadGzip)} gzip (goal under 300 KB)`);

// 2 and 3: the real system, a signed-in Chromium.
const system = await startSystem();
const chromium = await launchChromium();
try {
  console.log(`pnpm start ready in ${(system.startMs / 1000).toFixed(1)} s`);
  await adminCall(system, 'GET', '/auth/me');
  const watched = await openPage(chromium.browser, system.url);
  const { page } = watched;
  await page.goto('/app');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(system.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();

  // Usable: the overview's figures, positions and running jobs have answered (no "…" or "Loading…" left).
  const overviewMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await page.goto('/app', { waitUntil: 'commit' });
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.waitForFunction(() => {
      const page = (
        globalThis as unknown as { document: { querySelector(selector: string): { textContent: string | null } | null; body: { textContent: string | null } } }
      ).document;
      const text = page.querySelector('[data-testid="overview-figures"]')?.textContent ?? '';
      return text !== '' && !text.includes('…') && !(page.body.textContent ?? '').includes('Loading…');
    });
    overviewMs.push(performance.now() - started);
  }
  console.log(
    `overview usable (navigation to figures shown, signed in, warm server): median ${median(overviewMs).toFixed(0)} ms of ${runs} (goal under 1000 ms)`,
  );
  await screenshot(page, 'bench-overview');

  // Each chart alone on the page, in a fresh navigation; the series are built before the timer starts.
  const chartMs = async (chart: 'candles' | 'pnl'): Promise<number> => {
    await page.goto(`/app/_bench/charts?chart=${chart}`);
    const measure = await page.waitForFunction((name) => performance.getEntriesByName(name)[0]?.duration ?? null, `chart:bench ${chart}`);
    return (await measure.jsonValue())!;
  };
  const candleMs: number[] = [];
  const pnlMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    candleMs.push(await chartMs('candles'));
    pnlMs.push(await chartMs('pnl'));
  }
  console.log(`candle chart, 2,520 daily bars (10 years), creation to drawn: median ${median(candleMs).toFixed(1)} ms (goal under 200 ms)`);
  console.log(`P&L chart, 5,000 days (cumulative and drawdown), creation to drawn: median ${median(pnlMs).toFixed(1)} ms (goal under 200 ms)`);
  if (watched.problems.length > 0) throw new Error(`console errors during the bench: ${watched.problems.join('; ')}`);
} finally {
  await chromium.close();
  await system.stop();
}
