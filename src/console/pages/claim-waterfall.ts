import { queueWaitBelowClock } from '../../spans/semconv.js';
import type { DeliveryTiming } from '../../telemetry/claim-latency.js';
import { stageName } from '../console-context.js';
import { waterfall, type WaterfallBar } from '../charts.js';
import { duration } from '../format.js';
import { html, type SafeHtml } from '../html.js';

/**
 * The waterfall of one task's claim from a kept message: its queue wait (enqueue to
 * lease), then the claim round trip's stages. `index` picks the task in the message.
 */
export function claimWaterfall(d: DeliveryTiming, index: number, storeName: string): SafeHtml {
  const t = d.dispatch;
  const enqueued = d.enqueueTimes[index] ?? NaN;
  const bars: WaterfallBar[] = [
    {
      label: stageName('queue_wait', storeName),
      cls: 'wait',
      start: enqueued,
      end: d.leasedAt,
      shown: queueWaitBelowClock(d.leasedAt - enqueued),
    },
    {
      label: stageName('dispatch', storeName),
      cls: 'dispatch',
      start: t.start,
      end: Number.isFinite(t.end) ? t.end : d.writeEnd,
    },
  ];
  if (Number.isFinite(t.claimStart))
    bars.push({ label: stageName('claim', storeName), cls: 'claim', start: t.claimStart, end: t.claimEnd });
  bars.push(
    {
      label: stageName('serialize', storeName),
      cls: 'serialize',
      start: d.serializeStart,
      end: d.serializeEnd,
    },
    {
      label: stageName('write', storeName),
      cls: 'write',
      start: d.serializeEnd,
      end: d.writeEnd,
      ...(d.backpressure ? { note: 'waited for drain' } : {}),
    },
  );
  const tasks = d.taskIds.length + d.more;
  return html`<div class="wf">
    ${waterfall(bars)}
    <p class="muted small">
      claim path ${duration(d.totalMs)} (wake-up → written) · ${tasks} task${tasks === 1 ? '' : 's'} in this
      message to worker
      <span class="mono">${d.workerId}</span
      >${Number.isFinite(t.claimStart) ? '' : ' · served from read-ahead, no store round trip'}${d.backpressure ? ' · the stream pushed back (waited for drain)' : ''}
    </p>
  </div>`;
}
