import { CLAIM_STAGES, HISTOGRAM_TOP_MS } from '../../telemetry/stage-histograms.js';
import { stageName, type ConsoleContext, type PageRequest } from '../console-context.js';
import { lineChart } from '../charts.js';
import { count, duration, instant } from '../format.js';
import { html, seg, type SafeHtml } from '../html.js';
import { page } from '../layout.js';
import { claimWaterfall } from './claim-waterfall.js';

/** The windows the page offers, in minutes. */
const WINDOWS = [1, 5, 15];
/** Slow claims listed. */
const SLOWEST = 10;

/** A percentile of the stage histograms: one past their last bucket is only known to be longer. */
export function percentile(ms: number): string {
  return ms >= HISTOGRAM_TOP_MS ? `> ${duration(HISTOGRAM_TOP_MS)}` : duration(ms);
}

/**
 * `/latency`: this replica's claim-path stages (p50/p90/p99 over the chosen window and
 * per 10 s over 15 minutes, from the always-on histograms) and the slowest claims of the
 * window with their waterfalls (from the slow-claim buffer), only of queues the caller
 * may read.
 */
export function latencyPage(ctx: ConsoleContext, req: PageRequest): SafeHtml {
  const minutes = WINDOWS.includes(Number(req.url.searchParams.get('window')))
    ? Number(req.url.searchParams.get('window'))
    : 5;
  const windowMs = minutes * 60_000;
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
  const slow = ctx.latency.slowest(SLOWEST, windowMs, now, (d) =>
    ctx.admin.canRead(req.caller, d.dispatch.queue),
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
  const tabs = WINDOWS.map(
    (m) => html`<a class="tab${m === minutes ? ' on' : ''}" href="/latency?window=${m}">${m} min</a>`,
  );
  const body = html` <section class="head">
      <h1>Claim latency</h1>
      <div class="tabs">${tabs}</div>
    </section>
    <p class="muted">
      Figures of replica <b>${ctx.replica}</b>, from histograms it keeps for every claim whatever the trace
      sampler keeps. Other replicas show their own.
    </p>
    <section data-live="latency">
      <div class="scroll">
        <table class="grid stages">
          <thead>
            <tr>
              <th>stage (last ${minutes} min)</th>
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
        <h2>Per 10 s, last 15 min</h2>
        <span class="legend"><i class="p50"></i>p50 <i class="p90"></i>p90 <i class="p99"></i>p99</span>
      </div>
      <div class="charts">${charts}</div>
      <h2>Slowest claims, last ${minutes} min</h2>
      ${slowList.length > 0 ? slowList : html`<p class="muted">No claim in this window.</p>`}
    </section>`;
  return page(req, { title: 'Latency', section: 'latency', refreshSeconds: 5, replica: ctx.replica }, body);
}
