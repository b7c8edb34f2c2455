import type { ConsoleContext, PageRequest } from '../console-context.js';
import { lineChart } from '../charts.js';
import { count, duration, instant, rate } from '../format.js';
import { html, seg, type SafeHtml } from '../html.js';
import { csrfField, page, rowsOrEmpty } from '../layout.js';
import { LISTABLE_STATES } from '../../server/admin-operations.js';
import { fairShares, KEYS_PER_PAGE } from './fair-shares.js';
import { flash } from './flash.js';
import { latestRates, queueBadge, RATE_LEGEND, rateLines } from './queues-page.js';

/** Tasks on one page of a queue's listing. */
export const TASKS_PER_PAGE = 50;

/** Text of at most `max` characters, with an ellipsis when cut. */
function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The time of day (UTC) a list that does not refresh was read. */
function asOf(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

/**
 * An instant of a listed task (a scheduled task's due time, a lease's deadline) and how far
 * off it is from the page's time; `passed` says what one already past reads.
 */
function whenCell(at: number | undefined, now: number, passed: (agoMs: number) => SafeHtml): SafeHtml {
  if (at === undefined) return html`<span class="muted">–</span>`;
  const left = at - now;
  const off = left > 0 ? html`<span class="muted">in ${duration(left)}</span>` : passed(-left);
  return html`${instant(at)} ${off}`;
}

/** A due time past is due now: the next claim or sweep makes the task ready. */
const dueNow = (): SafeHtml => html`<span class="muted">now</span>`;

/** A deadline past is a lease nobody has reaped yet: the task goes back when a claim or sweep reaches it. */
const overdue = (agoMs: number): SafeHtml =>
  html`<span class="bad" data-overdue>overdue by ${duration(agoMs)}</span>`;

/**
 * `/queues/{queue}`: its counts and rates, pause/resume, purge with confirmation, its
 * tasks by state with paging and search by id, and on the DEAD tab the last errors with
 * redrive of one, the selected or all; its fairness keys and fair-share limits with a form
 * to change them; whether it is paused or rate-limited.
 */
export async function queuePage(ctx: ConsoleContext, req: PageRequest, queueName: string): Promise<SafeHtml> {
  const params = req.url.searchParams;
  // `?state=dead` as the commands spell it (`--state dead`) opens the DEAD tab too.
  const asked = (params.get('state') ?? '').toUpperCase();
  const state = (LISTABLE_STATES as readonly string[]).includes(asked) ? asked : 'PENDING';
  const cursor = params.get('cursor');
  const summary = await ctx.admin.queueStats(req.caller, queueName);
  const queue = summary.queue;
  const keysParam = params.get('keys');
  const keysCursor = keysParam && /^\d{1,9}$/.test(keysParam) ? keysParam : null;
  const [tasks, config, keys] = await Promise.all([
    ctx.admin.listTasks(req.caller, queue, state, cursor, TASKS_PER_PAGE),
    ctx.admin.getConfig(req.caller, queue),
    ctx.admin.listKeys(req.caller, queue, keysCursor, KEYS_PER_PAGE),
  ]);
  const base = `/queues/${seg(queue)}`;
  const now = Date.now();
  const s = summary.stats;
  // A name no task was enqueued to (a typo, an old link): nothing to pause, purge or redrive.
  // A queue whose tasks are all done is known while the store or this replica's rates are.
  const unknown =
    !summary.paused &&
    s.ready + s.scheduled + s.leased + s.dead === 0 &&
    !ctx.rates.busy(queue) &&
    !(await ctx.admin.queueListed(req.caller, queue));
  const stateCount: Record<string, number> = {
    PENDING: s.ready,
    SCHEDULED: s.scheduled,
    LEASED: s.leased,
    DEAD: s.dead,
  };
  const tabs = LISTABLE_STATES.map(
    (st) =>
      html`<a
        href="${base}?state=${st}"
        class="tab${st === state ? ' on' : ''}${st === 'DEAD' && s.dead > 0 ? ' bad' : ''}"
        >${st.toLowerCase()} <b>${count(stateCount[st] ?? 0)}</b></a
      >`,
  );
  const dead = state === 'DEAD';
  const scheduled = state === 'SCHEDULED';
  const leased = state === 'LEASED';
  const rows = tasks.tasks.map(
    (t) =>
      html`<tr>
        ${dead ? html`<td><input type="checkbox" name="task" value="${t.id}" form="redrive-selected" aria-label="select ${t.id}" /></td>` : ''}
        <td class="mono"><a href="${base}/tasks/${seg(t.id)}">${t.id}</a></td>
        <td class="num">${t.priority}</td>
        <td class="num">${t.attempt} / ${t.maxAttempts}</td>
        <td>${instant(t.enqueueTime)}</td>
        ${scheduled ? html`<td>${whenCell(t.dueTime, now, dueNow)}</td>` : ''}
        ${leased ? html`<td data-col="deadline">${whenCell(t.leaseDeadline, now, overdue)}</td>` : ''}
        <td class="err">
          ${t.lastError ? html`<span class="clamp">${cut(t.lastError, 160)}</span>` : html`<span class="muted">–</span>`}
        </td>
        ${
          dead
            ? html`<td>
                <form method="post" action="${base}/redrive">
                  ${csrfField(req)}<input type="hidden" name="task" value="${t.id}" /><button class="small">
                    Redrive
                  </button>
                </form>
              </td>`
            : ''
        }
      </tr>`,
  );
  const next = tasks.nextCursor
    ? html`<a href="${base}?${new URLSearchParams({ state, cursor: tasks.nextCursor }).toString()}"
        >next page →</a
      >`
    : '';
  const series = ctx.rates.series(queue);
  const age = s.oldestReadySince === null ? NaN : now - s.oldestReadySince;
  const body = html` <p class="crumbs"><a href="/">Queues</a> /</p>
    <section class="head">
      <h1 class="mono">${queue} ${unknown ? '' : queueBadge(summary.paused, s.rateLimited === true)}</h1>
      ${
        unknown
          ? ''
          : html`<div class="actions">
              <form method="post" action="${base}/${summary.paused ? 'resume' : 'pause'}">
                ${csrfField(req)}<button id="pause-toggle">${summary.paused ? 'Resume' : 'Pause'}</button>
              </form>
            </div>`
      }
    </section>
    ${
      unknown
        ? html`<p class="flash warn" data-note="unknown-queue">
            No queue named <b class="mono">${queue}</b> holds tasks: a queue appears when a task is enqueued
            to it.
          </p>`
        : ''
    }
    ${flash(req.url)}
    <section class="cards six" data-live="counts">
      <div class="card stat"><span>ready</span><b data-count="ready">${count(s.ready)}</b></div>
      <div class="card stat"><span>scheduled</span><b data-count="scheduled">${count(s.scheduled)}</b></div>
      <div class="card stat"><span>leased</span><b data-count="leased">${count(s.leased)}</b></div>
      <div class="card stat${s.dead > 0 ? ' bad' : ''}">
        <span>dead</span><b data-count="dead">${count(s.dead)}</b>
      </div>
      <div class="card stat"><span>oldest ready</span><b>${duration(age)}</b></div>
      <div class="card stat"><span>ready keys</span><b data-count="ready-keys">${count(s.readyKeys)}</b></div>
    </section>
    <section class="card wide" data-live="rates">
      <div class="card-head">
        <h2>Rates on this replica, last 15 min</h2>
        ${RATE_LEGEND}
      </div>
      ${series ? lineChart(rateLines(series), 900, 70, `rates of ${queue}`, rate) : html`<p class="muted">No traffic on this replica yet.</p>`}
      <p class="now">
        now: ${latestRates(ctx.rates.recent(queue))} ·
        <a href="/latency?queue=${encodeURIComponent(queue)}">claim latency of this queue</a>
      </p>
    </section>
    ${fairShares(req, base, config, keys, keysCursor)}
    <section class="tasks">
      <div class="tabs">
        <span class="tab-links" data-live="tabs">${tabs}</span>
        <form method="get" action="${base}" class="search" role="search">
          <input name="id" placeholder="Task id…" aria-label="Find a task by id" /><button>Open</button>
        </form>
      </div>
      ${
        dead && tasks.tasks.length > 0
          ? html`<div class="bulk">
              <form method="post" action="${base}/redrive" id="redrive-selected">
                ${csrfField(req)}<button>Redrive selected</button>
              </form>
              <form method="post" action="${base}/redrive" id="redrive-all" data-live="redrive-all">
                ${csrfField(req)}<input type="hidden" name="all" value="1" /><input
                  type="hidden"
                  name="shown"
                  value="${s.dead}"
                />
                <label class="every"
                  ><input type="checkbox" name="every" value="1" required /> every one</label
                >
                <button>Redrive all ${count(s.dead)} dead</button>
              </form>
            </div>`
          : ''
      }
      <p class="muted small as-of">
        Tasks as of ${asOf(now)}: this list stays as it is while you read it; reload it for the latest.
      </p>
      <div class="scroll">
        <table class="grid tasks">
          <thead>
            <tr>
              ${dead ? html`<th></th>` : ''}
              <th>task</th>
              <th class="num">priority</th>
              <th class="num">attempt</th>
              <th>enqueued</th>
              ${scheduled ? html`<th>due</th>` : ''} ${leased ? html`<th>lease runs out</th>` : ''}
              <th>${dead ? 'last error' : 'error'}</th>
              ${dead ? html`<th></th>` : ''}
            </tr>
          </thead>
          <tbody>
            ${rowsOrEmpty(rows, 7, `No ${state.toLowerCase()} task.`)}
          </tbody>
        </table>
      </div>
      <p class="pager">${cursor ? html`<a href="${base}?state=${state}">← first page</a>` : ''} ${next}</p>
    </section>
    ${unknown ? '' : purgeCard(req, base, queue)}`;
  return page(req, { title: queue, section: 'queues', refreshSeconds: 2, replica: ctx.replica }, body);
}

/** Purge, asking for the queue's name to be typed. */
function purgeCard(req: PageRequest, base: string, queue: string): SafeHtml {
  return html`<section class="card danger">
    <h2>Purge</h2>
    <p>
      Deletes every ready, scheduled, leased and dead task of this queue. Completed and cancelled tasks stay
      readable.
    </p>
    <form method="post" action="${base}/purge" class="purge">
      ${csrfField(req)}
      <label
        >Type <b class="mono">${queue}</b> to confirm
        <input name="confirm" autocomplete="off" aria-label="queue name to confirm the purge"
      /></label>
      <button class="danger">Purge queue</button>
    </form>
  </section>`;
}
