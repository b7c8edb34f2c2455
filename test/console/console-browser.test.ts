import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, onTestFinished } from 'vitest';
import { TaskError, Worker } from '../../clients/index.js';
import { UnavailableError } from '../../src/domain/errors.js';
import { tempDir, writeTokenFile } from '../support/auth-fixtures.js';
import {
  CHROMIUM_ARGS,
  deadTask,
  requireChromium,
  startConsoleFixture,
  type ConsoleFixture,
} from './console-fixture.js';

/**
 * The console clicked through in a real headless Chromium (Debian's `chromium` package,
 * driven by playwright-core; no browser download). With CODEQ_CONSOLE_SCREENSHOTS=1 it
 * also saves a screenshot of each page into docs/console/.
 */
const SHOTS =
  process.env.CODEQ_CONSOLE_SCREENSHOTS === '1' ? join(import.meta.dirname, '../../docs/console') : undefined;
const SCRIPT = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

/**
 * How long one Playwright step (a click, a locator read, a navigation) may wait. A clean-clone
 * CI run once saw a locator read after sign-in go unanswered for 10 s on a busy machine.
 */
const STEP_TIMEOUT_MS = 20_000;
/**
 * A test's own limit. A test is a dozen steps; on a two-core machine running the rest of the
 * suite beside Chromium, the steps together have taken longer than the suite's default 30 s
 * while none of them reached its own limit.
 */
const BROWSER_TEST_TIMEOUT_MS = 90_000;

let browser: Browser;
const cleanup: (() => Promise<unknown> | void)[] = [];

beforeAll(async () => {
  const executablePath = requireChromium();
  // playwright-core gives a plain launch a fresh temporary --user-data-dir of its own and
  // removes it on close: nothing carries over between runs.
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await browser?.close();
});

async function newPage(
  width = 1280,
  height = 860,
): Promise<{ context: BrowserContext; page: Page; dialogs: string[] }> {
  const started = performance.now();
  // What the page did, with times: printed when the test fails, so a slow or stuck run says
  // which request or navigation it was on.
  const trail: string[] = [];
  const mark = (what: string): void => {
    trail.push(`+${Math.round(performance.now() - started)} ms ${what}`);
  };
  // Whether this process (the servers and Playwright's client) stalled, or the browser did.
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  onTestFailed(() => {
    loopDelay.disable();
    console.error(
      `what the page did before the failure:\n  ${trail.join('\n  ')}\n` +
        `this process's longest event-loop delay meanwhile: ${Math.round(loopDelay.max / 1e6)} ms`,
    );
  });
  const context = await browser.newContext({ viewport: { width, height } });
  // Closed with its test: a page left open goes on refreshing its live parts every few
  // seconds, and the later tests would share the machine with every earlier test's page.
  onTestFinished(async () => {
    loopDelay.disable();
    await context.close();
  });
  // No step waits without end: one that hangs fails with Playwright's error naming the step
  // and what it waited for, well inside the test's own timeout.
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  mark('context open');
  const page = await context.newPage();
  mark('page open');
  page.on('request', (r) => mark(`request ${r.method()} ${new URL(r.url()).pathname}`));
  page.on('response', (r) => mark(`response ${r.status()} ${new URL(r.url()).pathname}`));
  page.on('requestfailed', (r) => mark(`failed ${new URL(r.url()).pathname}: ${r.failure()?.errorText}`));
  page.on('framenavigated', (fr) => {
    if (fr === page.mainFrame()) mark(`at ${new URL(fr.url()).pathname}`);
  });
  page.on('load', () => mark('load'));
  page.on('pageerror', (err) => mark(`page error: ${err.message}`));
  page.on('console', (msg) => mark(`console ${msg.type()}: ${msg.text()}`));
  page.on('crash', () => mark('page crashed'));
  page.on('close', () => mark('page closed'));
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { context, page, dialogs };
}

/**
 * For the screenshots only: `ms` of uneven traffic over a few queues, with a worker whose
 * handler takes 0–20 ms, so the charts have real slots to draw.
 */
async function traffic(f: ConsoleFixture, ms: number): Promise<void> {
  const p = f.producer();
  const queues = ['emails', 'thumbnails', 'invoices', 'webhooks'];
  const worker = new Worker({
    address: f.server.address,
    queues,
    concurrency: 16,
    logger: { warn() {} },
    handler: async () => {
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      return 'ok';
    },
  });
  await worker.start();
  const end = Date.now() + ms;
  for (let tick = 0; Date.now() < end; tick++) {
    const wave = Math.round(20 + 15 * Math.sin(tick / 8));
    await p.enqueueBatch(
      queues.flatMap((queue, q) =>
        Array.from({ length: Math.max(1, wave >> q) }, (_, i) => ({ queue, payload: `t${tick}.${i}` })),
      ),
    );
    await new Promise((r) => setTimeout(r, 250));
  }
  await worker.stop();
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

describe('the web console in Chromium', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let f: ConsoleFixture;

  beforeAll(async () => {
    f = await startConsoleFixture();
    cleanup.push(() => f.stop());
  });

  it('shows the counts of two queues it was given tasks for', async () => {
    const p = f.producer();
    for (let i = 0; i < 3; i++) await p.enqueue('emails', `mail ${i}`);
    for (let i = 0; i < 2; i++) await p.enqueue('reports.daily', `report ${i}`, { delayMs: 3_600_000 });
    const { page } = await newPage();
    await page.goto(f.url);
    const emails = page.locator('tr[data-queue="emails"]');
    await expect.poll(() => emails.locator('[data-col="ready"]').textContent()).toBe('3');
    const reports = page.locator('tr[data-queue="reports.daily"]');
    expect(await reports.locator('[data-col="ready"]').textContent()).toBe('0');
    expect(await reports.locator('[data-col="scheduled"]').textContent()).toBe('2');
    // Live: a new task shows without a reload.
    await p.enqueue('emails', 'mail 3');
    await expect.poll(() => emails.locator('[data-col="ready"]').textContent(), { timeout: 8_000 }).toBe('4');
    // Search narrows the list.
    await page.fill('input[name=q]', 'report');
    await page.click('form.search button');
    await expect.poll(() => page.locator('tr[data-queue]').count()).toBe(1);
  });

  it('shows a DEAD task with its last error, redrives it, and opens a task with its claim waterfall', async () => {
    const p = f.producer();
    const { taskId } = await p.enqueue('payments', 'charge 42', { maxAttempts: 1 });
    const worker = new Worker({
      address: f.server.address,
      queues: ['payments'],
      logger: { warn() {} },
      handler: () => Promise.reject(new TaskError('card declined: insufficient funds', { permanent: true })),
    });
    await worker.start();
    await expect
      .poll(async () => (await p.getTask('payments', taskId)).state, { timeout: 5_000 })
      .toBe('DEAD');
    await worker.stop();

    // Waiting charges of a few merchants, so the queue page has fairness keys to show.
    const merchants = { 'merchant-acme': 5, 'merchant-globex': 3, 'merchant-initech': 1 };
    for (const [fairnessKey, n] of Object.entries(merchants))
      for (let i = 0; i < n; i++) await p.enqueue('payments', `charge ${fairnessKey} ${i}`, { fairnessKey });
    await f.store.setConfig('payments', { maxLeasedPerKey: 2, maxClaimsPerSecond: 100 });

    const { page } = await newPage();
    await page.goto(`${f.url}queues/payments?state=DEAD`);
    await expect.poll(() => page.locator('td.err').first().textContent()).toContain('card declined');
    const keys = await page.locator('table.keys tr[data-key] td.mono').allTextContents();
    expect(keys.map((k) => k.trim())).toEqual(['merchant-acme', 'merchant-globex', 'merchant-initech']);
    expect(await page.locator('[data-count="dead"]').textContent()).toBe('1');
    await shot(page, 'queue');

    // The task: fields, error, and the waterfall of the claim that delivered it.
    await page.click(`a:text("${taskId}")`);
    await expect.poll(() => page.locator('h1').textContent()).toBe(taskId);
    expect(await page.locator('pre[data-kind="error"]').textContent()).toContain('card declined');
    const rows = await page.locator('svg.waterfall .wf-label').allTextContents();
    expect(rows).toEqual([
      'codeq.queue_wait',
      'codeq.dispatch',
      'codeq.store.claim',
      'codeq.serialize',
      'codeq.stream.write',
    ]);
    // Which delivery the waterfall is: a task delivered again may show an earlier one.
    expect(await page.locator('[data-delivery]').textContent()).toMatch(
      /The delivery of attempt 1, leased\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC: the latest/,
    );
    await shot(page, 'task');

    // "Redrive all" runs every dead task again: the browser holds it until "every one" is ticked.
    await page.goto(`${f.url}queues/payments?state=DEAD`);
    await page.locator('#redrive-all button').click();
    expect(await page.locator('#redrive-all input[name=every]:invalid').count()).toBe(1);
    expect((await p.getTask('payments', taskId)).state).toBe('DEAD');

    // Redrive it from its queue page.
    await page.locator('tbody form button:text("Redrive")').first().click();
    await expect.poll(() => page.locator('.flash').textContent()).toContain('Redriven 1 task');
    expect(await page.locator('[data-count="dead"]').textContent()).toBe('0');
    expect((await p.getTask('payments', taskId)).state).toBe('PENDING');
  });

  it('refreshes every count of a queue page together, and dates the task list that stays still', async () => {
    const p = f.producer();
    await p.enqueue('together', 'a', { fairnessKey: 'tenant-a' });
    await deadTask(f.store, 'together');
    const { page } = await newPage();
    await page.goto(`${f.url}queues/together?state=DEAD`);
    const tab = (state: string) => page.locator(`a.tab:has-text("${state}") b`);
    expect(await tab('pending').textContent()).toBe('1');
    const asOf = await page.locator('.as-of').textContent();
    expect(asOf).toMatch(/Tasks as of \d\d:\d\d:\d\d UTC/);
    // More tasks wait and die while the page is open: the cards, tabs, keys and "Redrive all" follow.
    for (let i = 0; i < 4; i++) await p.enqueue('together', `b${i}`, { fairnessKey: 'tenant-a' });
    await deadTask(f.store, 'together');
    await expect.poll(() => page.locator('[data-count="ready"]').textContent(), { timeout: 8_000 }).toBe('5');
    expect(await page.locator('[data-count="dead"]').textContent()).toBe('2');
    expect(await tab('pending').textContent()).toBe('5');
    expect(await tab('dead').textContent()).toBe('2');
    const perKey = await page.locator('table.keys [data-col="ready"]').allTextContents();
    expect(perKey.reduce((sum, n) => sum + Number(n), 0)).toBe(5);
    expect(await page.locator('#redrive-all button').textContent()).toBe('Redrive all 2 dead');
    // The list the user reads does not move under the pointer: one row, as of when it was read.
    expect(await page.locator('table.tasks tbody tr').count()).toBe(1);
    expect(await page.locator('.as-of').textContent()).toBe(asOf);
  });

  it('fits a 400 px wide screen: tables scroll in their box, names stay whole, errors are clamped', async () => {
    const p = f.producer();
    const error = `connect ECONNREFUSED 10.0.0.7:5432 ${'while sending the monthly invoice batch '.repeat(60)}`;
    await deadTask(f.store, 'narrow.emails', error);
    await p.enqueue('narrow.emails', 'x');
    await f.store.setPaused('narrow.emails', true);
    const { page } = await newPage(400, 800);
    const fits = async (path: string): Promise<void> => {
      await page.goto(`${f.url}${path}`);
      expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(400);
    };
    // A name broken across lines is more than one box; a badge broken inside itself is taller than a line.
    const boxes = (selector: string): Promise<number> =>
      page.evaluate(`document.querySelector(${JSON.stringify(selector)}).getClientRects().length`);
    const height = async (selector: string): Promise<number> =>
      (await page.locator(selector).boundingBox())!.height;
    await fits('');
    expect(await boxes('tr[data-queue="narrow.emails"] .name a')).toBe(1);
    expect(await height('tr[data-queue="narrow.emails"] .badge')).toBeLessThan(24);
    await fits('queues/narrow.emails');
    expect(await height('h1 .badge')).toBeLessThan(24);
    await fits('latency');
    await fits('queues/narrow.emails?state=DEAD');
    const row = page.locator('table.tasks tbody tr').first();
    expect(await row.locator('td.err').textContent()).toContain('ECONNREFUSED');
    expect((await row.boundingBox())!.height).toBeLessThanOrEqual(200);
    // The whole error is on the task's page.
    await row.locator('td.mono a').click();
    await expect.poll(() => page.locator('pre[data-kind="error"]').textContent()).toBe(error);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(400);
  });

  it("shows an action's note once: the address loses it, so a reload does not repeat it", async () => {
    const p = f.producer();
    await deadTask(f.store, 'noted');
    const { taskId } = await p.enqueue('noted', 'x');
    const { page } = await newPage();
    await page.goto(`${f.url}queues/noted?state=DEAD`);
    await page.locator('tbody form button:text("Redrive")').click();
    await expect.poll(() => page.locator('.flash').textContent()).toContain('Redriven 1 task');
    await expect.poll(() => page.url()).toBe(`${f.url}queues/noted?state=DEAD`);
    await page.reload();
    expect(await page.locator('.flash').count()).toBe(0);
    // A task page, which refreshes nothing, does the same; the fragment stays.
    await page.goto(`${f.url}queues/noted/tasks/${taskId}?done=not-cancelled#attempts`);
    expect(await page.locator('.flash').textContent()).toContain('nothing to cancel');
    await expect.poll(() => page.url()).toBe(`${f.url}queues/noted/tasks/${taskId}#attempts`);
    await page.reload();
    expect(await page.locator('.flash').count()).toBe(0);
  });

  it("changes a queue's fair-share limits from its page", async () => {
    const { page } = await newPage();
    await page.goto(`${f.url}queues/emails`);
    expect(await page.locator('[data-config="max_leased_per_key"]').textContent()).toBe('no limit');
    await page.fill('input[name=max_leased_per_key]', '4');
    await page.fill('input[name=max_claims_per_second]', '50');
    await page.click('#save-config');
    await expect.poll(() => page.locator('.flash').textContent()).toContain('Limits saved');
    expect(await page.locator('[data-config="max_leased_per_key"]').textContent()).toBe('4 leased per key');
    expect(await page.locator('[data-config="max_claims_per_second"]').textContent()).toBe('50 claims/s');
    expect(await f.store.getConfig('emails')).toEqual({ maxLeasedPerKey: 4, maxClaimsPerSecond: 50 });
    await page.fill('input[name=max_leased_per_key]', '0');
    await page.fill('input[name=max_claims_per_second]', '0');
    await page.click('#save-config');
    await expect
      .poll(() => f.store.getConfig('emails'))
      .toEqual({ maxLeasedPerKey: 0, maxClaimsPerSecond: 0 });
  });

  it('pauses and resumes a queue', async () => {
    const { page } = await newPage();
    await page.goto(`${f.url}queues/emails`);
    await page.click('#pause-toggle');
    await expect.poll(() => page.locator('h1 .badge').textContent()).toBe('paused');
    expect(await f.store.isPaused('emails')).toBe(true);
    await page.goto(f.url);
    expect(await page.locator('tr[data-queue="emails"] .badge.paused').count()).toBe(1);
    await page.goto(`${f.url}queues/emails`);
    await page.click('#pause-toggle');
    await expect.poll(() => page.locator('h1 .badge').textContent()).toBe('active');
    expect(await f.store.isPaused('emails')).toBe(false);
  });

  it(
    'shows claim-stage percentiles and the slowest claims with their waterfalls',
    { timeout: 120_000 },
    async () => {
      const p = f.producer();
      const worker = new Worker({
        address: f.server.address,
        queues: ['emails', 'thumbnails'],
        logger: { warn() {} },
        handler: async () => 'ok',
      });
      for (let i = 0; i < 20; i++) await p.enqueue('thumbnails', `img ${i}`);
      await worker.start();
      await expect.poll(async () => (await f.store.stats('thumbnails')).ready, { timeout: 5_000 }).toBe(0);
      await expect.poll(async () => (await f.store.stats('emails')).ready, { timeout: 5_000 }).toBe(0);
      if (SHOTS) await traffic(f, 65_000);
      await worker.stop();
      const { page } = await newPage();
      await page.goto(`${f.url}latency`);
      const claims = await page.locator('tr[data-stage="claim"] td.num').first().textContent();
      expect(Number(claims?.replace(/,/g, ''))).toBeGreaterThan(0);
      expect(await page.locator('details.slow').count()).toBeGreaterThan(0);
      expect(await page.locator('details.slow[open] svg.waterfall').count()).toBe(1);
      await shot(page, 'latency');
      // Narrowed to one queue from the select: its claims only, and the stages said to be every queue's.
      await page.selectOption('select[name="queue"]', 'thumbnails');
      await page.locator('form[action="/latency"] button').click();
      await expect.poll(() => new URL(page.url()).searchParams.get('queue')).toBe('thumbnails');
      expect(await page.locator('[data-note="stages-every-queue"]').count()).toBe(1);
      const queues = await page.locator('details.slow summary > span.mono').allTextContents();
      expect(queues.length).toBeGreaterThan(0);
      expect(new Set(queues)).toEqual(new Set(['thumbnails']));
      await page.goto(f.url);
      await shot(page, 'queues');
    },
  );

  it('says since when a page is not updated while its refreshes fail, and retries', async () => {
    await f.producer().enqueue('stale', 'x');
    const { page } = await newPage();
    const url = `${f.url}queues/stale`;
    await page.goto(url);
    const banner = page.locator('#stale');
    // The server does not answer.
    await page.route(url, (route) => route.abort());
    await expect
      .poll(() => banner.textContent())
      .toMatch(/^Not updated since \d\d:\d\d:\d\d: the server did not answer; retrying$/);
    await page.unroute(url);
    await expect.poll(() => banner.count()).toBe(0);
    // The server answers, but its store does not.
    const stats = f.store.stats.bind(f.store);
    f.store.stats = () => Promise.reject(new UnavailableError('Redis unavailable'));
    try {
      await expect.poll(() => banner.textContent()).toMatch(/: Redis unavailable; retrying$/);
      expect(await page.locator('[data-count="ready"]').textContent()).toBe('1');
      f.store.stats = stats;
      await expect.poll(() => banner.count()).toBe(0);
      // Opened while the store is away: the error page loads the queue by itself once it is back.
      f.store.stats = () => Promise.reject(new UnavailableError('Redis unavailable'));
      expect((await page.goto(url))?.status()).toBe(503);
      expect(await page.locator('h1').textContent()).toBe('Cannot show this');
      f.store.stats = stats;
      await expect.poll(() => page.locator('[data-count="ready"]').count()).toBe(1);
      expect(await banner.count()).toBe(0);
    } finally {
      f.store.stats = stats;
    }
  });

  it('keeps the keyboard focus on the same link when a live part is refreshed', async () => {
    await f.producer().enqueue('focus', 'x');
    const { page } = await newPage();
    await page.goto(f.url);
    await page.focus('tr[data-queue="focus"] a');
    const live = `document.querySelector('[data-live="queues"]')`;
    await page.evaluate(`window.__old = ${live}`);
    // Past a refresh: the part is a new copy.
    await expect.poll(() => page.evaluate(`${live} !== window.__old`)).toBe(true);
    expect(
      await page.evaluate(
        `[document.activeElement.getAttribute('href'), ${live}.contains(document.activeElement)]`,
      ),
    ).toEqual(['/queues/focus', true]);
  });

  it('keeps the same slow claim open when the list of slowest claims changes', async () => {
    // A message of one task that took `ms`, written now.
    const slowClaim = (taskId: string, ms: number): void => {
      const at = Date.now();
      const d = f.latency.delivery(
        { queue: 'slow-claims', start: at - ms, claimStart: NaN, claimEnd: NaN, end: at - 1 },
        'worker-slow',
        at - 1,
      );
      f.latency.leased(d, taskId, at - ms - 5, 1, at - ms);
      f.latency.serialized(d, at - 0.5);
      f.latency.written(d, at, false);
    };
    slowClaim('slow-a', 60_000);
    slowClaim('slow-b', 50_000);
    const { page } = await newPage();
    await page.goto(`${f.url}latency`);
    const claim = (taskId: string) => page.locator(`details.slow:has(a:text("${taskId}"))`);
    // The slowest opens first; open the second instead.
    await claim('slow-b').locator('summary b').click();
    await claim('slow-a').locator('summary b').click();
    const open = page.locator('details.slow[open] summary a');
    expect(await open.allTextContents()).toEqual(['slow-b']);
    // A slower claim comes first at the next refresh: the open one stays slow-b.
    slowClaim('slow-c', 70_000);
    await expect.poll(() => claim('slow-c').count()).toBe(1);
    expect(await page.locator('details.slow summary a').first().textContent()).toBe('slow-c');
    expect(await open.allTextContents()).toEqual(['slow-b']);
  });

  it('shows script-bearing payloads and headers as text: nothing runs', async () => {
    const p = f.producer();
    const { taskId } = await p.enqueue('emails', SCRIPT, { headers: { 'x-note': SCRIPT } });
    const { page, dialogs } = await newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${f.url}queues/emails/tasks/${taskId}`);
    expect(await page.locator('pre[data-kind="payload"]').textContent()).toBe(SCRIPT);
    expect(await page.locator('table.headers td').first().textContent()).toBe(SCRIPT);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('main script, main img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });
});

describe('the web console with auth on', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  const dir = tempDir();
  const ADMIN = { name: 'ops', token: 'ops-token-0123456789abcdef', grants: { '*': ['admin'] } };
  const TENANT = {
    name: 'tenant-a',
    token: 'tenant-a-token-0123456789',
    grants: { 'tenant-a.*': ['admin'] },
  };
  let f: ConsoleFixture;

  beforeAll(async () => {
    f = await startConsoleFixture({
      authTokenFile: writeTokenFile(dir.path('tokens.json'), [ADMIN, TENANT]),
    });
    cleanup.push(
      () => f.stop(),
      () => dir.remove(),
    );
    const p = f.producer(ADMIN.token);
    await p.enqueue('tenant-a.jobs', 'a');
    await p.enqueue('tenant-b.jobs', 'b');
  });

  it('asks for a token once and shows only the queues its scopes allow', async () => {
    const { context, page } = await newPage(1280, 640);
    await page.goto(f.url);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name=token]', 'not-a-token');
    const refused = page.waitForResponse(
      (r) => r.request().method() === 'POST' && r.url().endsWith('/login'),
    );
    await page.click('form button');
    expect((await refused).status()).toBe(401);
    expect(await page.locator('.flash').textContent()).toContain('not accepted');
    await shot(page, 'login');
    await page.fill('input[name=token]', TENANT.token);
    const signedIn = page.waitForURL((u) => u.pathname === '/');
    await page.click('form button');
    await signedIn;
    await expect
      .poll(() => page.locator('tr[data-queue]').allTextContents(), { timeout: STEP_TIMEOUT_MS })
      .toHaveLength(1);
    expect(await page.locator('tr[data-queue]').getAttribute('data-queue')).toBe('tenant-a.jobs');
    expect(await page.locator('.who').textContent()).toBe('tenant-a');
    // The cookie holds a session id, not the token.
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'codeq_console', httpOnly: true, sameSite: 'Strict' });
    expect(cookie!.value).not.toContain(TENANT.token);
    // Another tenant's queue is refused, by URL too.
    const res = await page.goto(`${f.url}queues/tenant-b.jobs`);
    expect(res?.status()).toBe(403);
    // Signing out ends the session.
    await page.goto(f.url);
    const signedOut = page.waitForURL((u) => u.pathname === '/login');
    await page.click('button:text("Sign out")');
    await signedOut;
    expect(await page.locator('input[name=token]').count()).toBe(1);
  });
});
