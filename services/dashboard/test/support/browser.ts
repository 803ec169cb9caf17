import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (installed by .ci/run); playwright-core never downloads a browser. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots go: test-output/ always; docs/screenshots/ too when SAVE_SCREENSHOTS=1 (to refresh the ones docs/ shows). */
export const screenshotDir = fileURLToPath(new URL('../../test-output/', import.meta.url));
const docsScreenshots = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));

export interface BrowserSession {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Headless Chromium as the machine notes say it runs here: no sandbox (root), no GPU, no
 * background networking. Playwright gives each launch a new empty profile (--user-data-dir) itself.
 */
export async function launchChromium(): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions seen so far; a test asserts there are none. */
  problems: string[];
}

/** A new context (own cookies and storage) and page whose console errors are collected. */
export async function openPage(browser: Browser, baseURL: string): Promise<WatchedPage> {
  return watchPage(await browser.newContext({ baseURL, viewport: { width: 1280, height: 860 } }));
}

/** A new page in an existing context (its cookies: a session already signed in), its console errors collected. */
export async function watchPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** Where: the first few elements' selectors. */
  targets: string[];
}

/**
 * axe-core's WCAG A/AA rules on the page as it is. The script is evaluated through the DevTools
 * protocol, not a <script> tag, so the app's CSP (script-src 'self') stays on and untouched.
 */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(await axeSource);
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(
            context: unknown,
            options: unknown,
          ): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.slice(0, 5).map((node) => `${node.target.join(' ')}: ${node.failureSummary ?? ''}`),
    }));
  });
}

/** Saves a full-page screenshot; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  if (process.env.SAVE_SCREENSHOTS === '1') {
    await mkdir(docsScreenshots, { recursive: true });
    await page.screenshot({ path: path.join(docsScreenshots, `${name}.png`), fullPage: false });
  }
  return file;
}
