import { copyFileSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { get as httpsGet } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { instant } from '../../src/console/format.js';
import { Worker } from '../../clients/index.js';
import { ConsoleServer } from '../../src/console/console-server.js';
import { AccessControl } from '../../src/server/auth/access-control.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { makeCertificates, tempDir, writeTokenFile } from '../support/auth-fixtures.js';
import { newTask } from '../support/new-task.js';
import { deadTask as deadFixtureTask, startConsoleFixture, type ConsoleFixture } from './console-fixture.js';

/** The console's HTTP rules, without a browser: headers, CSRF, origins, host names, listen rule, paging. */
let f: ConsoleFixture;
beforeAll(async () => {
  f = await startConsoleFixture();
});
afterAll(() => f.stop());

/** A GET that keeps the session cookie and returns the page's CSRF token. */
async function session(): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(f.url);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(
    await fetch(`${f.url}queues/jobs`, { headers: { cookie } }).then((r) => r.text()),
  )?.[1];
  return { cookie, csrf: csrf! };
}

function post(
  path: string,
  cookie: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${f.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

/** Counts the calls of `store.stats` (what a page read) until `restore()`. */
function countStatsReads(store: LeaseStore): { reads: number; restore(): void } {
  const original = store.stats.bind(store);
  const counter = {
    reads: 0,
    restore: () => {
      store.stats = original;
    },
  };
  store.stats = (queue) => {
    counter.reads++;
    return original(queue);
  };
  return counter;
}

describe('console HTTP rules', () => {
  beforeAll(() => f.store.enqueue([newTask('jobs'), newTask('jobs')]));

  it('sends a strict CSP and no-sniff on every page, and no inline script or style', async () => {
    const res = await fetch(f.url);
    expect(res.headers.get('content-security-policy')).toMatch(
      /default-src 'none'; script-src 'self'; style-src 'self'/,
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const text = await res.text();
    expect(text).not.toMatch(/<script>|<script [^>]*>[^<]|\sstyle="|\son\w+="/);
    const css = await fetch(`${f.url}assets/console.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('refuses a POST without the session CSRF token, or from another site', async () => {
    const { cookie, csrf } = await session();
    expect(csrf).toMatch(/^[\w-]{20,}$/);
    expect((await post('queues/jobs/pause', cookie, {})).status).toBe(403);
    expect((await post('queues/jobs/pause', cookie, { csrf: 'x'.repeat(csrf.length) })).status).toBe(403);
    expect((await post('queues/jobs/pause', '', { csrf })).status).toBe(403);
    expect(
      (await post('queues/jobs/pause', cookie, { csrf }, { 'sec-fetch-site': 'cross-site' })).status,
    ).toBe(403);
    expect(
      (await post('queues/jobs/pause', cookie, { csrf }, { origin: 'http://evil.example' })).status,
    ).toBe(403);
    expect(await f.store.isPaused('jobs')).toBe(false);
    const ok = await post('queues/jobs/pause', cookie, { csrf }, { 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/queues/jobs?done=paused');
    expect(await f.store.isPaused('jobs')).toBe(true);
    await post('queues/jobs/resume', cookie, { csrf });
    expect(await f.store.isPaused('jobs')).toBe(false);
  });

  it('says so when a pause finds the queue paused, or a resume finds it not paused', async () => {
    await f.store.enqueue([newTask('again')]);
    const { cookie, csrf } = await session();
    const act = async (action: string): Promise<string | null> =>
      (await post(`queues/again/${action}`, cookie, { csrf })).headers.get('location');
    expect(await act('resume')).toBe('/queues/again?done=not-paused');
    expect(await act('pause')).toBe('/queues/again?done=paused');
    expect(await act('pause')).toBe('/queues/again?done=already-paused');
    expect(await f.store.isPaused('again')).toBe(true);
    expect(await act('resume')).toBe('/queues/again?done=resumed');
    expect(await act('resume')).toBe('/queues/again?done=not-paused');
    expect(await f.store.isPaused('again')).toBe(false);
    const note = async (done: string): Promise<string | undefined> =>
      /<p class="flash (\w+)" role="status">([^<]*)<\/p>/
        .exec(await fetch(`${f.url}queues/again?done=${done}`).then((r) => r.text()))
        ?.slice(1)
        .join(': ');
    expect(await note('already-paused')).toBe('warn: The queue was already paused; nothing changed.');
    expect(await note('not-paused')).toBe('warn: The queue was not paused; nothing changed.');
  });

  it("shows a scheduled task's due time on its page", async () => {
    const before = Date.now();
    const taskId = (await f.store.enqueue([newTask('later', { delayMs: 3_600_000 })]))[0]!.taskId;
    const text = await fetch(`${f.url}queues/later/tasks/${taskId}`).then((r) => r.text());
    const due = /<th>due_time<\/th>\s*<td>([^<]+)<\/td>/.exec(text)?.[1];
    expect(Date.parse(due!)).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000);
    expect(Date.parse(due!)).toBeLessThanOrEqual(Date.now() + 3_600_000);
  });

  it('shows the rates of every queue where access control is off', async () => {
    expect(await fetch(f.url).then((r) => r.text())).toContain('Every queue on this replica');
  });

  it('lists scheduled tasks with when each falls due', async () => {
    const taskId = (await f.store.enqueue([newTask('later-list', { delayMs: 5_400_000 })]))[0]!.taskId;
    const text = await fetch(`${f.url}queues/later-list?state=SCHEDULED`).then((r) => r.text());
    expect(text).toContain('<th>due</th>');
    const row = new RegExp(`${taskId}</a></td>[\\s\\S]*?</tr>`).exec(text)?.[0];
    expect(row).toMatch(/ UTC <span class="muted">in 1\.[45] h<\/span>/);
    // Other tabs have no due column.
    expect(await fetch(`${f.url}queues/later-list?state=PENDING`).then((r) => r.text())).not.toContain(
      '<th>due</th>',
    );
    // The state as the commands spell it (`--state scheduled`) opens the same tab.
    expect(await fetch(`${f.url}queues/later-list?state=scheduled`).then((r) => r.text())).toContain(taskId);
  });

  it('purges only when the queue name is typed to confirm', async () => {
    const { cookie, csrf } = await session();
    const wrong = await post('queues/jobs/purge', cookie, { csrf, confirm: 'job' });
    expect(wrong.headers.get('location')).toBe('/queues/jobs?done=confirm-purge');
    expect((await f.store.stats('jobs')).ready).toBe(2);
    const right = await post('queues/jobs/purge', cookie, { csrf, confirm: 'jobs' });
    expect(right.headers.get('location')).toBe('/queues/jobs?done=purged&n=2');
    expect((await f.store.stats('jobs')).ready).toBe(0);
  });

  it("shows a queue's fairness keys busiest first, paged, and escapes them", async () => {
    await f.store.enqueue([newTask('fair', { fairnessKey: 'tenant-big' })]);
    expect((await f.store.claim('fair', 1, 60_000)).leases).toHaveLength(1);
    const tasks = [
      ...Array.from({ length: 4 }, () => newTask('fair', { fairnessKey: 'tenant-big' })),
      newTask('fair', { fairnessKey: 'tenant:"<b>x' }),
      ...Array.from({ length: 24 }, (_, i) => newTask('fair', { fairnessKey: `k${i}` })),
      ...Array.from({ length: 2 }, () => newTask('fair', { fairnessKey: 'k0' })),
    ];
    await f.store.enqueue(tasks);
    const text = await fetch(`${f.url}queues/fair`).then((r) => r.text());
    const keys = [...text.matchAll(/<tr data-key="([^"]*)">/g)].map((m) => m[1]);
    expect(keys).toHaveLength(20);
    expect(keys.slice(0, 2)).toEqual(['tenant-big', 'k0']);
    expect(text).toMatch(
      /data-key="tenant-big">[\s\S]*?data-col="ready">4<\/td>[\s\S]*?data-col="leased">1<\/td>/,
    );
    expect(text).toContain('<b data-count="ready-keys">26</b>');
    const next = /href="(\/queues\/fair\?keys=\d+)#fair-shares"/.exec(text)![1]!;
    const second = await fetch(`${f.url}${next.slice(1)}`).then((r) => r.text());
    const more = [...second.matchAll(/<tr data-key="([^"]*)">/g)].map((m) => m[1]);
    expect(more).toHaveLength(6);
    expect(new Set([...keys, ...more]).size).toBe(26);
    const all = text + second;
    expect(all).not.toContain('"<b>x');
    expect(all).toContain('tenant:&quot;&lt;b&gt;x');
    expect((await fetch(`${f.url}queues/fair?keys=zz`)).status).toBe(200);
  });

  /** A DEAD task of `queue`: enqueued, leased and failed for good. */
  const deadTask = (queue: string): Promise<string> => deadFixtureTask(f.store, queue);

  it('redrives a DEAD task from its own page and comes back to it', async () => {
    const { cookie, csrf } = await session();
    const taskId = await deadTask('dead-one');
    const page = await fetch(`${f.url}queues/dead-one/tasks/${taskId}`, { headers: { cookie } }).then((r) =>
      r.text(),
    );
    expect(page).toContain('action="/queues/dead-one/redrive"');
    const res = await post('queues/dead-one/redrive', cookie, { csrf, task: taskId, back: 'task' });
    expect(res.headers.get('location')).toBe(`/queues/dead-one/tasks/${taskId}?done=redriven&n=1`);
    expect((await f.store.getTask('dead-one', taskId))?.state).toBe('PENDING');
    const after = await fetch(`${f.url}queues/dead-one/tasks/${taskId}?done=redriven&n=1`, {
      headers: { cookie },
    }).then((r) => r.text());
    expect(after).toContain('Redriven 1 task');
    expect(after).not.toContain('action="/queues/dead-one/redrive"');
  });

  it('tells a redriven task apart from a new one, and a cancelled one from the notes', async () => {
    const { cookie, csrf } = await session();
    const taskId = await deadTask('dead-again');
    // This replica kept the delivery that failed: attempt 1, a minute ago.
    const at = Date.now() - 60_000;
    const d = f.latency.delivery(
      { queue: 'dead-again', start: at - 2, claimStart: NaN, claimEnd: NaN, end: at - 1 },
      'worker-1',
      at - 1,
    );
    f.latency.leased(d, taskId, at - 10, 1, at);
    f.latency.serialized(d, at + 0.5);
    f.latency.written(d, at + 1, false);
    const taskPage = (id: string): Promise<string> =>
      fetch(`${f.url}queues/dead-again/tasks/${id}`, { headers: { cookie } }).then((r) => r.text());
    const before = await taskPage(taskId);
    expect(before).toMatch(/<th>attempt<\/th>\s*<td>1 of 1<\/td>/);
    expect(before).toContain('The delivery of attempt 1, leased');
    await post('queues/dead-again/redrive', cookie, { csrf, task: taskId, back: 'task' });
    const after = await taskPage(taskId);
    expect(after).toMatch(/redriven from DEAD at .* after 1 attempt/);
    expect(after).toMatch(/<th>attempt<\/th>\s*<td>0 of 1 since the redrive<\/td>/);
    expect(after).toContain('<p data-attempts>Not delivered since it was redriven.</p>');
    expect(after).not.toContain('Not delivered yet');
    expect(after).toContain('Last error, before the redrive');
    expect(after).toMatch(/The last delivery, before the redrive: attempt 1, leased [^<]*UTC\. This replica/);
    // A cancel leaves no note: the page says it all the same.
    const cancelled = (await f.store.enqueue([newTask('dead-again')]))[0]!.taskId;
    expect(await taskPage(cancelled)).toContain('<p data-attempts>Not delivered yet.</p>');
    await f.store.cancel('dead-again', cancelled);
    expect(await taskPage(cancelled)).toContain('<p data-cancelled>Cancelled: it will not run again.</p>');
  });

  it('cancels a task only when the form says "yes, cancel it"', async () => {
    const { cookie, csrf } = await session();
    const taskId = (await f.store.enqueue([newTask('cancel-me')]))[0]!.taskId;
    const page = await fetch(`${f.url}queues/cancel-me/tasks/${taskId}`, { headers: { cookie } }).then((r) =>
      r.text(),
    );
    expect(page).toMatch(/action="[^"]*\/cancel">[\s\S]*?name="yes" value="1" required \/> yes, cancel it/);
    const unconfirmed = await post(`queues/cancel-me/tasks/${taskId}/cancel`, cookie, { csrf });
    expect(unconfirmed.headers.get('location')).toBe(`/queues/cancel-me/tasks/${taskId}?done=confirm-cancel`);
    expect((await f.store.getTask('cancel-me', taskId))?.state).toBe('PENDING');
    const text = await fetch(`${f.url}${unconfirmed.headers.get('location')!.slice(1)}`, {
      headers: { cookie },
    }).then((r) => r.text());
    expect(text).toContain('Not cancelled: tick &quot;yes, cancel it&quot; to cancel the task.');
    const confirmed = await post(`queues/cancel-me/tasks/${taskId}/cancel`, cookie, { csrf, yes: '1' });
    expect(confirmed.headers.get('location')).toBe(`/queues/cancel-me/tasks/${taskId}?done=cancelled`);
    expect((await f.store.getTask('cancel-me', taskId))?.state).toBe('CANCELLED');

    // A task a worker is running is not cancelled at once: the note says what happens.
    const running = (await f.store.enqueue([newTask('cancel-running')]))[0]!.taskId;
    expect((await f.store.claim('cancel-running', 1, 60_000)).leases).toHaveLength(1);
    const requested = await post(`queues/cancel-running/tasks/${running}/cancel`, cookie, { csrf, yes: '1' });
    expect(requested.headers.get('location')).toBe(
      `/queues/cancel-running/tasks/${running}?done=cancel-requested`,
    );
    const note = await fetch(`${f.url}${requested.headers.get('location')!.slice(1)}`, {
      headers: { cookie },
    }).then((r) => r.text());
    expect(note).toContain('Cancel requested: a worker is running the task');
  });

  it('redrives every dead task only when the form says so in so many words', async () => {
    const { cookie, csrf } = await session();
    const taskId = await deadTask('dead-all');
    const unconfirmed = await post('queues/dead-all/redrive', cookie, { csrf, all: '1' });
    expect(unconfirmed.headers.get('location')).toBe('/queues/dead-all?state=DEAD&done=confirm-redrive');
    expect((await f.store.getTask('dead-all', taskId))?.state).toBe('DEAD');
    const text = await fetch(`${f.url}queues/dead-all?state=DEAD&done=confirm-redrive`, {
      headers: { cookie },
    }).then((r) => r.text());
    expect(text).toContain('Not redriven: tick &quot;every one&quot;');
    const confirmed = await post('queues/dead-all/redrive', cookie, { csrf, all: '1', every: '1' });
    expect(confirmed.headers.get('location')).toBe('/queues/dead-all?state=DEAD&done=redriven&n=1');
    expect((await f.store.getTask('dead-all', taskId))?.state).toBe('PENDING');
  });

  it('redrives all only when as many are dead as the button said, else shows the new count', async () => {
    const { cookie, csrf } = await session();
    await deadTask('dead-count');
    await deadTask('dead-count');
    const before = await fetch(`${f.url}queues/dead-count?state=DEAD`, { headers: { cookie } }).then((r) =>
      r.text(),
    );
    expect(before).toContain('<button>Redrive all 2 dead</button>');
    expect(before).toMatch(/name="shown"\s+value="2"/);
    // One more dies before the click.
    await deadTask('dead-count');
    const stale = await post('queues/dead-count/redrive', cookie, { csrf, all: '1', every: '1', shown: '2' });
    expect(stale.headers.get('location')).toBe('/queues/dead-count?state=DEAD&done=recount&shown=2&n=3');
    expect((await f.store.stats('dead-count')).dead).toBe(3);
    const again = await fetch(`${f.url}${stale.headers.get('location')!.slice(1)}`, {
      headers: { cookie },
    }).then((r) => r.text());
    expect(again).toContain('Not redriven: 2 were shown, 3 are dead now: confirm again to redrive 3.');
    expect(again).toContain('<button>Redrive all 3 dead</button>');
    expect(again).toMatch(/name="shown"\s+value="3"/);
    const confirmed = await post('queues/dead-count/redrive', cookie, {
      csrf,
      all: '1',
      every: '1',
      shown: '3',
    });
    expect(confirmed.headers.get('location')).toBe('/queues/dead-count?state=DEAD&done=redriven&n=3');
    expect((await f.store.stats('dead-count')).dead).toBe(0);
  });

  it('changes the limits through the config form, with CSRF, naming a bad field', async () => {
    const { cookie, csrf } = await session();
    const limits = { max_leased_per_key: '3', max_claims_per_second: '250' };
    expect((await post('queues/fair/config', cookie, limits)).status).toBe(403);
    expect(await f.store.getConfig('fair')).toEqual({ maxLeasedPerKey: 0, maxClaimsPerSecond: 0 });
    const ok = await post('queues/fair/config', cookie, { csrf, ...limits });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/queues/fair?done=configured#fair-shares');
    expect(await f.store.getConfig('fair')).toEqual({ maxLeasedPerKey: 3, maxClaimsPerSecond: 250 });
    const text = await fetch(`${f.url}queues/fair?done=configured`, { headers: { cookie } }).then((r) =>
      r.text(),
    );
    expect(text).toContain('Limits saved');
    expect(text).toMatch(/data-config="max_leased_per_key">3 leased per key/);
    expect(text).toMatch(/data-config="max_claims_per_second">250 claims\/s/);
    expect(text).toContain('name="max_claims_per_second"');
    const bad = await post('queues/fair/config', cookie, {
      csrf,
      max_leased_per_key: '2.5',
      max_claims_per_second: '',
    });
    expect(bad.status).toBe(400);
    const badPage = await bad.text();
    expect(badPage).toContain(
      'config.max_leased_per_key: must be a whole number between 0 (no limit) and 1000000, got &quot;2.5&quot;',
    );
    // A refused save says nothing changed and leads back to the queue, not to the list.
    expect(badPage).toContain('Nothing was changed');
    expect(badPage).toContain('<a href="/queues/fair">Back to the queue</a>');
    const huge = await post('queues/fair/config', cookie, {
      csrf,
      max_leased_per_key: '0',
      max_claims_per_second: '99999999999',
    });
    expect(await huge.text()).toContain(
      'config.max_claims_per_second: must be a whole number between 0 (no limit) and 1000000, got &quot;99999999999&quot;',
    );
    expect(await f.store.getConfig('fair')).toEqual({ maxLeasedPerKey: 3, maxClaimsPerSecond: 250 });
    await post('queues/fair/config', cookie, { csrf, max_leased_per_key: '', max_claims_per_second: '0' });
    expect(await f.store.getConfig('fair')).toEqual({ maxLeasedPerKey: 0, maxClaimsPerSecond: 0 });
  });

  it("shows a task's fairness key on its page", async () => {
    const { taskId } = (await f.store.enqueue([newTask('fair', { fairnessKey: 'tenant-<7>' })]))[0]!;
    const text = await fetch(`${f.url}queues/fair/tasks/${taskId}`).then((r) => r.text());
    expect(text).toMatch(/<th>fairness_key<\/th>\s*<td><span class="mono">tenant-&lt;7&gt;<\/span>/);
    const [plain] = await f.store.enqueue([newTask('fair')]);
    const other = await fetch(`${f.url}queues/fair/tasks/${plain!.taskId}`).then((r) => r.text());
    expect(other).toContain('(default key)');
  });

  it('says no queue of that name holds tasks, and offers no action on it, until one does', async () => {
    const text = await fetch(`${f.url}queues/doesnotexist`).then((r) => r.text());
    expect(text).toContain(
      'No queue named <b class="mono">doesnotexist</b> holds tasks: a queue appears when a task is enqueued',
    );
    expect(text).not.toContain('badge');
    expect(text).not.toContain('id="pause-toggle"');
    expect(text).not.toContain('/purge"');
    expect(text).not.toContain('/redrive"');
    expect(await f.store.listQueues({ visible: (q) => q === 'doesnotexist' })).toEqual([]);
    // An empty queue that is paused is a queue: it can be resumed.
    await f.store.setPaused('held-empty', true);
    const held = await fetch(`${f.url}queues/held-empty`).then((r) => r.text());
    expect(held).not.toContain('data-note="unknown-queue"');
    expect(held).toMatch(/<button id="pause-toggle">Resume<\/button>/);
    expect(held).toContain('action="/queues/held-empty/purge"');
    await f.store.setPaused('held-empty', false);
    // The first task makes it one.
    await f.store.enqueue([newTask('doesnotexist')]);
    const known = await fetch(`${f.url}queues/doesnotexist`).then((r) => r.text());
    expect(known).not.toContain('data-note="unknown-queue"');
    expect(known).toContain('id="pause-toggle"');
  });

  it('lists a queue whose workers keep up while this replica saw its traffic, and opens its page', async () => {
    const queue = 'kept-up.jobs';
    const worker = new Worker({
      address: f.server.address,
      queues: [queue],
      logger: { warn() {} },
      handler: () => Promise.resolve('ok'),
    });
    await worker.start();
    try {
      const ids = await Promise.all([0, 1, 2].map((i) => f.producer().enqueue(queue, `t${i}`)));
      await Promise.all(ids.map(({ taskId }) => f.producer().waitTask(queue, taskId)));
    } finally {
      await worker.stop();
    }
    // Every task is done: the store lists the queue no longer.
    expect(await f.store.listQueues({ visible: (q) => q === queue })).toEqual([]);
    const list = await fetch(f.url).then((r) => r.text());
    const row = new RegExp(`<tr data-queue="${queue}">[\\s\\S]*?</tr>`).exec(list)?.[0];
    expect(row).toBeDefined();
    for (const col of ['ready', 'scheduled', 'leased', 'dead'])
      expect(row).toContain(`data-col="${col}">0</td>`);
    expect(row).toContain(`aria-label="rates of ${queue}"`);
    expect(row).not.toContain('no traffic here');
    expect(row).toMatch(/<span class="enq-t">[\d.]+\/s<\/span>/);
    // Searched and paged as the store's queues are, and read only when shown.
    const stats = countStatsReads(f.store);
    try {
      expect(await fetch(`${f.url}?q=KEPT-UP`).then((r) => r.text())).toMatch(
        /<tr data-queue="kept-up\.jobs">[\s\S]*?1 queue matching/,
      );
      expect(stats.reads).toBe(1);
      stats.reads = 0;
      expect(await fetch(`${f.url}?q=nothing-like-it`).then((r) => r.text())).not.toContain(queue);
      expect(stats.reads).toBe(0);
    } finally {
      stats.restore();
    }
    // Its page shows counts and rates, not "no queue named".
    const page = await fetch(`${f.url}queues/${queue}`).then((r) => r.text());
    expect(page).not.toContain('data-note="unknown-queue"');
    expect(page).toContain('<b data-count="ready">0</b>');
    expect(page).toContain('id="pause-toggle"');
    expect(page).toContain(`aria-label="rates of ${queue}"`);
  });

  it("links a queue's page to the latency page narrowed to it, which refuses a bad name", async () => {
    await f.store.enqueue([newTask('timed.jobs')]);
    const text = await fetch(`${f.url}queues/timed.jobs`).then((r) => r.text());
    expect(text).toContain('<a href="/latency?queue=timed.jobs">claim latency of this queue</a>');
    const latency = await fetch(`${f.url}latency?queue=timed.jobs`);
    expect(latency.status).toBe(200);
    expect(await latency.text()).toContain('data-note="stages-every-queue"');
    const bad = await fetch(`${f.url}latency?queue=${encodeURIComponent('no such!')}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('queue: must match');
  });

  it('says a page past the last holds no queues, and links to the first', async () => {
    await f.store.enqueue([newTask('past-last')]);
    const text = await fetch(`${f.url}?page=99`).then((r) => r.text());
    expect(text).toMatch(/No queues on this page: <a href="\/\?page=1"\s*>go to page 1<\/a\s*>\./);
    expect(text).not.toContain('No queue yet');
    expect(text).toMatch(/queues?\s*· page 99 of\s+1\b/);
    // The search is kept.
    const found = await fetch(`${f.url}?q=past-last&page=5`).then((r) => r.text());
    expect(found).toMatch(/<a href="\/\?q=past-last&amp;page=1"\s*>go to page 1<\/a\s*>/);
  });

  it('answers bad input and unknown pages with the field named, never a crash', async () => {
    const bad = await fetch(`${f.url}queues/${encodeURIComponent('bad queue!')}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('queue: must match');
    expect((await fetch(`${f.url}queues/jobs/tasks/nope`)).status).toBe(404);
    expect((await fetch(`${f.url}nothing-here`)).status).toBe(404);
    expect((await fetch(`${f.url}queues/%E0%A4%A`)).status).toBe(400);
  });

  it('serves only loopback host names without auth (DNS rebinding)', async () => {
    const status = (host: string): Promise<number | undefined> =>
      new Promise((resolve, reject) => {
        const req = request(f.url, { headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status('attacker.example:7071')).toBe(421);
    expect(await status('127.0.0.1.attacker.example')).toBe(421);
    expect(await status('localhost:7071')).toBe(200);
    expect(await status('LOCALHOST')).toBe(200);
    expect(await status('[::1]:7071')).toBe(200);
    expect(await status('[::1]')).toBe(200);
  });

  it('refuses a remote address without authentication at start, naming --console-listen', () => {
    expect(
      () =>
        new ConsoleServer(
          {
            admin: f.server.server.admin,
            latency: f.latency,
            rates: f.console.rates,
            replica: 'r',
            storeName: 'memory',
          },
          AccessControl.off(),
          { listen: '0.0.0.0:0', insecureAllowRemote: false, logger: silentLogger },
        ),
    ).toThrow(/--console-listen 0\.0\.0\.0:0: without authentication/);
  });

  it('pages and searches 10,000 queues, reading the counts of one page only', async () => {
    const tasks = Array.from({ length: 10_000 }, (_, i) =>
      newTask(`tenant-${String(i).padStart(5, '0')}.jobs`),
    );
    for (let i = 0; i < tasks.length; i += 1000) await f.store.enqueue(tasks.slice(i, i + 1000));
    const stats = countStatsReads(f.store);
    try {
      const started = performance.now();
      const text = await (await fetch(`${f.url}?page=3`)).text();
      const pageMs = performance.now() - started;
      // Earlier tests of this file may leave a few queues of their own beside the 10,000.
      const pager = /([\d,]+) queues\s*· page 3 of\s+(\d+)/.exec(text);
      const total = Number(pager?.[1]?.replaceAll(',', ''));
      expect(total).toBeGreaterThanOrEqual(10_000);
      expect(total).toBeLessThan(10_020);
      expect(Number(pager?.[2])).toBe(Math.ceil(total / 50));
      expect(text.match(/<tr data-queue=/g)).toHaveLength(50);
      expect(stats.reads).toBe(50);
      const found = await (await fetch(`${f.url}?q=tenant-09999`)).text();
      expect(found.match(/<tr data-queue=/g)).toHaveLength(1);
      // Generous: the machine is shared. The figure itself goes to docs/console.md.
      expect(pageMs).toBeLessThan(2_000);
    } finally {
      stats.restore();
    }
  });
});

describe('console over TLS', () => {
  it("serves HTTPS with the server's certificate, and marks the session cookie Secure; reloads its pair on SIGHUP", async () => {
    const dir = tempDir();
    const pki = makeCertificates(dir.dir);
    const tls = await startConsoleFixture({ tlsCert: pki.serverCert, tlsKey: pki.serverKey });
    try {
      expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      const res = await new Promise<{ status?: number; cookie?: string }>((resolve, reject) => {
        httpsGet(tls.url, { ca: readFileSync(pki.ca), agent: false }, (r) => {
          r.resume();
          resolve({ status: r.statusCode, cookie: r.headers['set-cookie']?.[0] });
        }).on('error', reject);
      });
      expect(res.status).toBe(200);
      expect(res.cookie).toMatch(/HttpOnly; SameSite=Strict; Secure$/);
      // SIGHUP: a renewed pair in the same files serves new connections.
      const renewed = makeCertificates(dir.dir, 'renewed-');
      copyFileSync(renewed.serverCert, pki.serverCert);
      copyFileSync(renewed.serverKey, pki.serverKey);
      tls.console.console.reloadTls();
      const again = await new Promise<number | undefined>((resolve, reject) => {
        httpsGet(tls.url, { ca: readFileSync(renewed.ca), agent: false }, (r) => {
          r.resume();
          resolve(r.statusCode);
        }).on('error', reject);
      });
      expect(again).toBe(200);
    } finally {
      await tls.stop();
      dir.remove();
    }
  });
});

describe('rate-limited queues', () => {
  const T = Date.UTC(2026, 0, 1);
  let r: ConsoleFixture;
  beforeAll(async () => {
    // A frozen store clock: the claim budget never refills during the test.
    r = await startConsoleFixture({}, { store: new MemoryStore({ clock: () => T }) });
  });
  afterAll(() => r.stop());

  it('shows rate-limited apart from paused, on the queues page and the queue page', async () => {
    await r.store.enqueue([newTask('limited'), newTask('limited'), newTask('held'), newTask('calm')]);
    await r.store.setConfig('limited', { maxLeasedPerKey: 0, maxClaimsPerSecond: 1 });
    await r.store.claim('limited', 1, 60_000);
    expect((await r.store.stats('limited')).rateLimited).toBe(true);
    await r.store.setPaused('held', true);
    const list = await fetch(r.url).then((x) => x.text());
    const badge = (q: string): string | undefined =>
      new RegExp(`<tr data-queue="${q}">[\\s\\S]*?</td>`)
        .exec(list)?.[0]
        .match(/badge (\w+)"?[^>]*>([\w-]+)/)?.[2];
    expect(badge('limited')).toBe('rate-limited');
    expect(badge('held')).toBe('paused');
    expect(badge('calm')).toBeUndefined();
    const one = await fetch(`${r.url}queues/limited`).then((x) => x.text());
    expect(one).toMatch(/<span class="badge limited"[^>]*>\s*rate-limited/);
    expect(one).not.toContain('badge paused');
    expect(await fetch(`${r.url}queues/held`).then((x) => x.text())).toContain('badge paused">paused');
  });
});

describe('leased tasks', () => {
  // The store's clock runs a minute behind the page's: a lease the page sees overdue is
  // one the store has not reaped yet, as when the reaper is behind.
  const LAG_MS = 60_000;
  let l: ConsoleFixture;
  beforeAll(async () => {
    l = await startConsoleFixture({}, { store: new MemoryStore({ clock: () => Date.now() - LAG_MS }) });
  });
  afterAll(() => l.stop());

  it('lists each lease with when it runs out, relative to the page, overdue ones marked', async () => {
    const [late, soon] = await l.store.enqueue([newTask('running'), newTask('running')]);
    const [first] = (await l.store.claim('running', 1, 30_000)).leases;
    const [second] = (await l.store.claim('running', 1, 600_000)).leases;
    const text = await fetch(`${l.url}queues/running?state=LEASED`).then((r) => r.text());
    expect(text).toContain('<th>lease runs out</th>');
    const row = (id: string): string => new RegExp(`${id}</a></td>[\\s\\S]*?</tr>`).exec(text)![0];
    const cell = (id: string): string => /<td data-col="deadline">([\s\S]*?)<\/td>/.exec(row(id))![1]!;
    expect(cell(late!.taskId)).toContain(instant(first!.deadline));
    expect(cell(late!.taskId)).toMatch(/<span class="bad" data-overdue>overdue by 30\.\d s<\/span>/);
    expect(cell(soon!.taskId)).toContain(instant(second!.deadline));
    expect(cell(soon!.taskId)).toMatch(/<span class="muted">in 9\.0 min<\/span>/);
    // In deadline order, as the store lists them.
    expect(text.indexOf(late!.taskId)).toBeLessThan(text.indexOf(soon!.taskId));
    // Other tabs have no deadline column.
    expect(await fetch(`${l.url}queues/running`).then((r) => r.text())).not.toContain('lease runs out');
  });
});

describe('console scopes with auth on', () => {
  const dir = tempDir();
  const READER = { name: 'reader', token: 'reader-token-0123456789abcdef', grants: { jobs: ['read'] } };
  const TEAM_A = {
    name: 'team-a',
    token: 'team-a-token-0123456789abcdef',
    grants: { 'team-a.*': ['admin'] },
  };
  const PRODUCER = { name: 'producer', token: 'producer-token-0123456789abcd', grants: { '*': ['enqueue'] } };
  let g: ConsoleFixture;
  let taskId: string;

  beforeAll(async () => {
    g = await startConsoleFixture({
      authTokenFile: writeTokenFile(dir.path('tokens.json'), [READER, TEAM_A, PRODUCER]),
    });
    taskId = (await g.store.enqueue([newTask('jobs')]))[0]!.taskId;
  });
  afterAll(async () => {
    await g.stop();
    dir.remove();
  });

  it('asks again for a token when the form came empty, without calling it refused', async () => {
    const empty = await fetch(`${g.url}login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: '  ' }).toString(),
    });
    expect(empty.status).toBe(400);
    const text = await empty.text();
    expect(text).toContain('Paste a token to sign in.');
    expect(text).not.toContain('not accepted');
  });

  it('lets a read-only token see a task but neither list nor change the queue', async () => {
    expect((await fetch(g.url, { redirect: 'manual' })).headers.get('location')).toBe('/login');
    const login = await fetch(`${g.url}login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: READER.token }).toString(),
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).not.toContain(READER.token);
    const taskPage = await fetch(`${g.url}queues/jobs/tasks/${taskId}`, { headers: { cookie } });
    expect(taskPage.status).toBe(200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await taskPage.text())![1]!;
    expect((await fetch(`${g.url}queues/jobs`, { headers: { cookie } })).status).toBe(403);
    // The queues page lists none, says why, and shows no rates summed over queues it cannot see.
    const queues = await fetch(g.url, { headers: { cookie } }).then((r) => r.text());
    expect(queues).toContain('No queue this token may list');
    expect(queues).not.toContain('No queue yet');
    expect(queues).not.toContain('Every queue on this replica');
    const cancel = await fetch(`${g.url}queues/jobs/tasks/${taskId}/cancel`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(cancel.status).toBe(403);
    expect((await g.store.getTask('jobs', taskId))!.state).toBe('PENDING');
    const config = await fetch(`${g.url}queues/jobs/config`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, max_leased_per_key: '1', max_claims_per_second: '1' }).toString(),
    });
    expect(config.status).toBe(403);
    expect(await g.store.getConfig('jobs')).toEqual({ maxLeasedPerKey: 0, maxClaimsPerSecond: 0 });
  });

  it('lists the queues with traffic and no task only to a token that may see them', async () => {
    const producer = g.producer(PRODUCER.token);
    for (const queue of ['team-a.mail', 'team-b.mail']) {
      await producer.enqueue(queue, 'x');
      await g.store.purge(queue);
    }
    const login = await fetch(`${g.url}login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TEAM_A.token }).toString(),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const list = await fetch(g.url, { headers: { cookie } }).then((r) => r.text());
    expect(list).toContain('<tr data-queue="team-a.mail">');
    expect(list).not.toContain('team-b.mail');
    expect(list).toMatch(/\b1 queue\s*· page 1 of\s+1\b/);
    expect(await fetch(`${g.url}?q=team-b`, { headers: { cookie } }).then((r) => r.text())).toContain(
      'No queue matches',
    );
    expect((await fetch(`${g.url}queues/team-a.mail`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${g.url}queues/team-b.mail`, { headers: { cookie } })).status).toBe(403);
  });
});
