import { CLAIM_STAGES, HISTOGRAM_TOP_MS } from '../../telemetry/stage-histograms.js';
import { stageName, type ConsoleContext, type PageRequest } from '../console-context.js';
import { lineChart } from '../charts.js';
import { count, duration, instant } from '../format.js';
import { html, seg, type SafeHtml } from '../html.js';
import { page } from '../layout.js';
import { validateQueue } from '../../server/validation.js';
import { claimWaterfall } from './claim-waterfall.js';

/** The windows the page offers, in minutes. */
const WINDOWS = [1, 5, 15];
/** Slow claims listed. */
const SLOWEST = 10;
/** The longest window offered: the queue filter offers the queues of its kept claims. */
const LONGEST_MS = Math.max(...WINDOWS) * 60_000;

/** A percentile of the stage histograms: one past their last bucket is only known to be longer. */
export function percentile(ms: number): string {
  return ms >= HISTOGRAM_TOP_MS ? `> ${duration(HISTOGRAM_TOP_MS)}` : duration(ms);
}

/**
 * `/latency`: this replica's claim-path stages (p50/p90/p99 over the chosen window and
 * per 10 s over 15 minutes, from the always-on histograms) and the slowest claims of the
 * window with their waterfalls (from the slow-claim buffer), only of queues the caller
 * may read; `?queue=` narrows the slowest claims to one queue. The histograms are kept
 * for the replica, not per queue: filtered, the page says the stages are every queue's.
 */
export function latencyPage(ctx: ConsoleContext, req: PageRequest): SafeHtml {
  const params = req.url.searchParams;
  const minutes = WINDOWS.includes(Number(params.get('window'))) ? Number(params.get('window')) : 5;
  const windowMs = minutes * 60_000;
  const asked = params.get('queue')?.trim() ?? '';
  // A bad name answers 400 naming the field, as on every page; a queue the caller may not
  // read reads as one without claims, as an unknown one does.
  const queue = asked === '' ? undefined : validateQueue(asked);
  const now = Date.now();
  const summary = ctx.latency.histograms.summary(windowMs, now);
  const stageRows = summary.map(
    (s) =>
      html`<tr data-stage="${s.stage}">
        <td class="mono">${stageName(s.stage, ctx.storeName)}</td>
        <td class="num">${count(s.count)}</td>
        <td class="num">${percentile(s.p50Ms)}</td>
        <td class="num">${percentile(s.p90Ms)}</td>
        <td class="num">${percentile(s.p99Ms)}</td>
        <td class="num">${duration(s.maxMs)}</td>
      </tr>`,
  );
  const charts = CLAIM_STAGES.map((stage) => {
    const points = ctx.latency.histograms.series(stage, now);
    return html`<div class="card chart-card">
      <h3 class="mono">${stageName(stage, ctx.storeName)}</h3>
      ${lineChart(
        [
          { cls: 'p99', values: points.map((p) => p.p99Ms) },
          { cls: 'p90', values: points.map((p) => p.p90Ms) },
          { cls: 'p50', values: points.map((p) => p.p50Ms) },
        ],
        420,
        90,
        `${stage} percentiles over 15 minutes`,
        percentile,
      )}
    </div>`;
  });
  const slow = ctx.latency.slowest(
    SLOWEST,
    windowMs,
    now,
    (d) =>
      (queue === undefined || d.dispatch.queue === queue) && ctx.admin.canRead(req.caller, d.dispatch.queue),
  );
  const slowList = slow.map((d, i) => {
    const first = d.taskIds[0];
    const queue = d.dispatch.queue;
    // The message's own identity, so a refresh that reorders the list keeps the same one open.
    const key = `${d.workerId} ${d.writeEnd} ${first ?? ''}`;
    return html`<details class="slow" data-key="${key}" ${i === 0 ? html` open` : ''}>
      <summary>
        <b>${duration(d.totalMs)}</b> <span class="mono">${queue}</span> ${
          first
            ? html`· task <a class="mono" href="/queues/${seg(queue)}/tasks/${seg(first)}">${first}</a>`
            : ''
        } <span class="muted">at ${instant(d.writeEnd)}</span>
      </summary>
      ${claimWaterfall(d, 0, ctx.storeName)}
    </details>`;
  });
  const link = (m: number): string =>
    `/latency?${new URLSearchParams({ window: String(m), ...(queue !== undefined && { queue }) }).toString()}`;
  const tabs = WINDOWS.map(
    (m) => html`<a class="tab${m === minutes ? ' on' : ''}" href="${link(m)}">${m} min</a>`,
  );
  const body = html` <section class="head">
      <h1>Claim latency</h1>
      <div class="tabs">${tabs}</div>
      ${queueFilter(ctx, req, queue, minutes, now)}
    </section>
    <p class="muted">
      Figures of replica <b>${ctx.replica}</b>, from histograms it keeps for every claim whatever the trace
      sampler keeps. Other replicas show their own.
    </p>
    ${
      queue === undefined
        ? ''
        : html`<p class="flash warn" data-note="stages-every-queue">
            Stage figures are for every queue: this replica keeps its histograms for all claims, not per
            queue. The slowest claims are those of <b class="mono">${queue}</b>, among the slowest it keeps of
            each minute over every queue, so a queue faster than the others may have none kept.
          </p>`
    }
    <section data-live="latency">
      <div class="scroll">
        <table class="grid stages">
          <thead>
            <tr>
              <th>stage (last ${minutes} min${queue === undefined ? '' : ', every queue'})</th>
              <th class="num">count</th>
              <th class="num">p50</th>
              <th class="num">p90</th>
              <th class="num">p99</th>
              <th class="num">max</th>
            </tr>
          </thead>
          <tbody>
            ${stageRows}
          </tbody>
        </table>
      </div>
      <div class="card-head">
        <h2>Per 10 s, last 15 min${queue === undefined ? '' : ', every queue'}</h2>
        <span class="legend"><i class="p50"></i>p50 <i class="p90"></i>p90 <i class="p99"></i>p99</span>
      </div>
      <div class="charts">${charts}</div>
      <h2>
        Slowest claims${queue === undefined ? '' : html` of <span class="mono">${queue}</span>`}, last
        ${minutes} min
      </h2>
      ${
        slowList.length > 0
          ? slowList
          : html`<p class="muted">
              ${queue === undefined ? 'No claim in this window.' : 'No claim of this queue kept in this window.'}
            </p>`
      }
    </section>`;
  return page(req, { title: 'Latency', section: 'latency', refreshSeconds: 5, replica: ctx.replica }, body);
}

/**
 * Picks the queue whose slowest claims are listed: the queues of the claims kept over the
 * longest window that the caller may read, and the one asked for (whatever it is: offering
 * it back tells nothing). A GET form: it works without the page's script.
 */
function queueFilter(
  ctx: ConsoleContext,
  req: PageRequest,
  queue: string | undefined,
  minutes: number,
  now: number,
): SafeHtml {
  const names = ctx.latency.queues(now - LONGEST_MS).filter((q) => ctx.admin.canRead(req.caller, q));
  if (queue !== undefined && !names.includes(queue)) names.push(queue);
  const options = names
    .sort()
    .map((q) => html`<option value="${q}" ${q === queue ? html`selected` : ''}>${q}</option>`);
  return html`<form method="get" action="/latency" class="search" role="search">
    <input type="hidden" name="window" value="${minutes}" />
    <select name="queue" aria-label="Queue of the slowest claims">
      <option value="">every queue</option>
      ${options}
    </select>
    <button>Show</button>
  </form>`;
}
