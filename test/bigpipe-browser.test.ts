import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { resolveAnswers } from '../generators/engine/answers.js';
import type { Answers } from '../generators/types.js';
import { generate, projectNode, remove, tempDir, withServer } from './support/project.js';

/**
 * Bigpipe in a real browser: a generated project with --bigpipe is started
 * and headless Chromium loads its example page GET /profile. The frame must
 * be on screen while the slow pagelet is still loading, then every pagelet
 * is filled in, with no console error (a blocked inline script under the
 * Content-Security-Policy would be one). Without JavaScript, the
 * <noscript> redirect leads to the server-rendered page.
 *
 * Run on a JavaScript and on a TypeScript project (the TypeScript one on a
 * Node that runs it: projectNode).
 *
 * Chromium is the Debian package `chromium` (CI installs it with apt-get).
 * Without it the suite fails under CI and is skipped elsewhere.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** The slow pagelet waits this long on the server: the window in which the frame must already show. */
const SLOW_MS = 1500;

/** The project's language: a TypeScript project serves the same page from src/server.ts. */
const LANGS = ['js', 'ts'];
const browserSuite = suite('bigpipe in a real browser');
const available = existsSync(CHROMIUM);

if (!available && !process.env.CI) {
  browserSuite.skip(`skipped: ${CHROMIUM} not found (apt-get install -y chromium)`, () => {});
} else {
  let root = '';
  const projects = new Map<string, { dir: string; answers: Answers }>();
  let browser: Browser | undefined;

  browserSuite.before(async () => {
    if (!available) throw new Error(`${CHROMIUM} is missing: CI must install the Debian package "chromium" (apt-get install -y chromium)`);
    root = tempDir('cns-bigpipe-browser-');
    for (const lang of LANGS) {
      const answers = resolveAnswers({ lang, name: `bigpipe-browser-${lang}`, bigpipe: true });
      projects.set(lang, { dir: await generate(answers, root), answers });
    }
    // Playwright makes (and deletes) a fresh temporary profile for every launch.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  });

  browserSuite.after(async () => {
    await browser?.close();
    if (root) remove(root);
  });

  for (const lang of LANGS) {
    browserSuite(`${lang}: the frame shows before the slow pagelet, then every pagelet fills in, without console errors`, async () => {
      await serve(projects.get(lang)!, async (url) => {
        const context = await browser!.newContext();
        const page = await context.newPage();
        page.setDefaultTimeout(10_000);
        const problems = watchForProblems(page);
        // Chromium also logs CSP violations to the console; this catches them even if it stopped doing so.
        await page.addInitScript(() => {
          const seen: string[] = [];
          (window as unknown as { cspViolations: string[] }).cspViolations = seen;
          document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
        });
        try {
          await page.goto(`${url}/profile`, { waitUntil: 'commit' });
          // The frame and the fast pagelet are there while the slow one is still loading.
          await page.waitForSelector('[data-pagelet="user"][data-state="done"]', { timeout: 10_000 });
          assert.is(await page.textContent('h1'), 'Profile');
          assert.is(await stateOf(page, 'recommendations'), 'loading', 'the slow pagelet is not there yet, the frame is');
          assert.is(await page.isVisible('[data-pagelet="recommendations"]'), true);

          await page.waitForSelector('[data-pagelet="recommendations"][data-state="done"]', { timeout: SLOW_MS + 10_000 });
          await page.waitForLoadState('load');
          for (const name of ['user', 'activity', 'recommendations']) assert.is(await stateOf(page, name), 'done', name);

          // Plain data through the <template>, as text: the "<small>" in the data is not an element.
          const user = page.locator('[data-pagelet="user"]');
          assert.is(await user.locator('strong').textContent(), 'A new user');
          assert.ok((await user.textContent())?.includes('Node.js & <small> servers.'));
          assert.is(await user.locator('small').count(), 0);
          // A list through the default renderer.
          assert.is(await page.locator('[data-pagelet="activity"] li').count(), 3);
          // Trusted HTML from the server, as markup.
          assert.is(await page.locator('[data-pagelet="recommendations"] ul > li').count(), 3);
          assert.is(await page.evaluate(() => typeof (window as unknown as { bigpipe?: { set?: unknown } }).bigpipe?.set), 'function');

          assert.equal(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations), [], 'no CSP violations');
          assert.equal(problems, [], 'no console errors, page errors or failed requests');
        } catch (err) {
          // A blocked script usually shows as a timeout: say what the browser reported.
          if (err instanceof Error && problems.length) err.message += `\n  the browser reported:\n  ${problems.join('\n  ')}`;
          throw err;
        } finally {
          await context.close();
        }
      });
    });

    browserSuite(`${lang}: without JavaScript the <noscript> redirect shows the page rendered on the server`, async () => {
      await serve(projects.get(lang)!, async (url) => {
        const context = await browser!.newContext({ javaScriptEnabled: false });
        const page = await context.newPage();
        page.setDefaultTimeout(10_000);
        try {
          await page.goto(`${url}/profile`);
          await page.waitForURL(/[?&]nojs=1/, { timeout: 15_000 });
          await page.waitForLoadState('load');
          for (const name of ['user', 'activity', 'recommendations']) assert.is(await stateOf(page, name), 'done', name);
          assert.ok((await page.textContent('[data-pagelet="user"]'))?.includes('A new user'));
        } finally {
          await context.close();
        }
      });
    });
  }
}

/** Starts the project with a slow third pagelet (the settings are env variables of the server). */
async function serve(project: { dir: string; answers: Answers }, fn: (url: string) => Promise<void>) {
  const settings: Record<string, string> = {
    BIGPIPE_PROFILE_USER_DELAY: '0',
    BIGPIPE_PROFILE_ACTIVITY_DELAY: '100',
    BIGPIPE_PROFILE_RECOMMENDATIONS_DELAY: String(SLOW_MS),
  };
  const saved = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));
  Object.assign(process.env, settings);
  // withServer copies process.env when it spawns, synchronously; restore right after.
  const running = withServer(project.dir, fn, projectNode(project.answers));
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  const exit = await running;
  assert.is(exit, 0, 'the server stops cleanly');
}

function stateOf(page: Page, name: string) {
  return page.getAttribute(`[data-pagelet="${name}"]`, 'data-state');
}

/** Collects console errors, uncaught page errors, CSP violations and failed requests. */
function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return problems;
}

browserSuite.run();
