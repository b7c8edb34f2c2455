import type { ConsoleContext, PageRequest } from '../console-context.js';
import { lineChart } from '../charts.js';
import { count, duration, rate } from '../format.js';
import { html, seg, type SafeHtml } from '../html.js';
import { page, rowsOrEmpty } from '../layout.js';
import type { RateCounter, RateSeries } from '../../telemetry/queue-rates.js';

/**
 * The queue's status badge: paused (workers get nothing), rate-limited (ready tasks wait
 * for `max_claims_per_second` to refill) or active. Paused wins: a paused queue claims
 * nothing, whatever its budget.
 */
export function queueBadge(paused: boolean, rateLimited: boolean): SafeHtml {
  if (paused) return html`<span class="badge paused">paused</span>`;
  if (rateLimited)
    return html`<span class="badge limited" title="ready tasks wait for max_claims_per_second to refill"
      >rate-limited</span
    >`;
  return html`<span class="badge live">active</span>`;
}

/** Queues on one page of the list. */
export const QUEUES_PER_PAGE = 50;

/** The three rate lines of a chart; `every` > 1 averages that many slots per point (for small charts). */
export function rateLines(series: RateSeries | undefined, every = 1): { cls: string; values: number[] }[] {
  if (!series) return [];
  const thin = (values: number[]): number[] => {
    if (every <= 1) return values;
    const out: number[] = [];
    for (let i = values.length % every; i < values.length; i += every) {
      const group = values.slice(i, i + every);
      out.push(group.reduce((a, b) => a + b, 0) / group.length);
    }
    return out;
  };
  return [
    { cls: 'enq', values: thin(series.enqueued) },
    { cls: 'claim', values: thin(series.leased) },
    { cls: 'done', values: thin(series.completed) },
  ];
}

/** The rates over the last 10 s ({@link QueueRates.recent}), as `enqueued · claimed · completed` per second. */
export function latestRates(recent: Record<RateCounter, number> | undefined): SafeHtml {
  if (!recent) return html`<span class="muted">–</span>`;
  return html`<span class="enq-t">${rate(recent.enqueued)}</span> ·
    <span class="claim-t">${rate(recent.leased)}</span> ·
    <span class="done-t">${rate(recent.completed)}</span>`;
}

/** The legend of the rate charts. */
export const RATE_LEGEND = html`<span class="legend"
  ><i class="enq"></i>enqueued <i class="claim"></i>claimed <i class="done"></i>completed</span
>`;

/** `/`: every queue the caller may see, paged and searchable, with counts and rate charts; refreshes live. */
export async function queuesPage(ctx: ConsoleContext, req: PageRequest): Promise<SafeHtml> {
  const q = req.url.searchParams.get('q') ?? '';
  const pageNo = Math.max(1, Number.parseInt(req.url.searchParams.get('page') ?? '1', 10) || 1);
  const { queues, total } = await ctx.admin.searchQueues(req.caller, {
    contains: q,
    offset: (pageNo - 1) * QUEUES_PER_PAGE,
    limit: QUEUES_PER_PAGE,
    // A queue whose workers keep up may hold no task at this instant: listed while this
    // replica's rates show its traffic, as the chart above does.
    also: ctx.rates.busyQueues(),
  });
  const now = Date.now();
  const rows = queues.map((s) => {
    const series = ctx.rates.series(s.queue);
    const age = s.stats.oldestReadySince === null ? NaN : now - s.stats.oldestReadySince;
    return html`<tr data-queue="${s.queue}">
      <td class="name">
        <a href="/queues/${seg(s.queue)}">${s.queue}</a
        >${s.paused || s.stats.rateLimited ? html` ${queueBadge(s.paused, s.stats.rateLimited === true)}` : ''}
      </td>
      <td class="num" data-col="ready">${count(s.stats.ready)}</td>
      <td class="num" data-col="scheduled">${count(s.stats.scheduled)}</td>
      <td class="num" data-col="leased">${count(s.stats.leased)}</td>
      <td class="num${s.stats.dead > 0 ? ' bad' : ''}" data-col="dead">${count(s.stats.dead)}</td>
      <td class="num">${duration(age)}</td>
      <td class="spark">
        ${series ? lineChart(rateLines(series, 3), 160, 28, `rates of ${s.queue}`) : html`<span class="muted">no traffic here</span>`}
      </td>
      <td class="rates">${latestRates(ctx.rates.recent(s.queue))}</td>
    </tr>`;
  });
  const pages = Math.max(1, Math.ceil(total / QUEUES_PER_PAGE));
  const link = (n: number, label: string): SafeHtml =>
    html`<a href="/?${new URLSearchParams({ ...(q ? { q } : {}), page: String(n) }).toString()}"
      >${label}</a
    >`;
  // Rates summed over every queue speak of queues a token limited to some may not see.
  const seesAll = ctx.admin.seesEveryQueue(req.caller);
  const all = seesAll ? ctx.rates.series() : undefined;
  // Past the last page (an old link, a typed number): the queues are on the pages before.
  const empty =
    total > 0
      ? html`No queues on this page: ${link(1, 'go to page 1')}.`
      : q
        ? html`No queue matches “${q}”.`
        : seesAll
          ? 'No queue yet: enqueue a task to create one.'
          : 'No queue this token may list: it has the admin scope on none of the queues there are.';
  const body = html` <section class="head">
      <h1>Queues</h1>
      <form method="get" action="/" class="search" role="search">
        <input type="search" name="q" value="${q}" placeholder="Find a queue…" aria-label="Find a queue" />
        <button>Find</button>
      </form>
    </section>
    ${
      seesAll
        ? html`<section class="card wide" data-live="overview">
            <div class="card-head">
              <h2>Every queue on this replica, last 15 min</h2>
              ${RATE_LEGEND}
            </div>
            ${all ? lineChart(rateLines(all), 900, 80, 'rates of every queue', rate) : html`<p class="muted">No traffic yet.</p>`}
            <p class="now">now: ${latestRates(ctx.rates.recent())}</p>
          </section>`
        : ''
    }
    <section data-live="queues">
      <div class="scroll">
        <table class="grid queues">
          <thead>
            <tr>
              <th>queue</th>
              <th class="num">ready</th>
              <th class="num">scheduled</th>
              <th class="num">leased</th>
              <th class="num">dead</th>
              <th class="num">oldest ready</th>
              <th>last 15 min</th>
              <th>enq · claim · done</th>
            </tr>
          </thead>
          <tbody>
            ${rowsOrEmpty(rows, 8, empty)}
          </tbody>
        </table>
      </div>
      <p class="pager">
        ${count(total)} queue${total === 1 ? '' : 's'}${q ? html` matching “${q}”` : ''} · page ${pageNo} of
        ${pages} ${pageNo > 1 ? link(pageNo - 1, '← previous') : ''}
        ${pageNo < pages ? link(pageNo + 1, 'next →') : ''}
      </p>
    </section>`;
  return page(req, { title: 'Queues', section: 'queues', refreshSeconds: 2, replica: ctx.replica }, body);
}
