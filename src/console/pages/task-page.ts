import type { TaskRecord } from '../../domain/task.js';
import type { ConsoleContext, PageRequest } from '../console-context.js';
import { instant } from '../format.js';
import { html, seg, type SafeHtml } from '../html.js';
import { csrfField, page } from '../layout.js';
import { claimWaterfall } from './claim-waterfall.js';
import { flash } from './flash.js';

/** Bytes of a payload or result shown, at most. */
const SHOWN_BYTES = 64 * 1024;

/** A payload or result as text when it is UTF-8 without control characters, else as hex; cut at 64 KiB. */
function bytesView(bytes: Buffer, what: string): SafeHtml {
  if (bytes.length === 0) return html`<p class="muted">No ${what}.</p>`;
  const shown = bytes.subarray(0, SHOWN_BYTES);
  const text = shown.toString('utf8');
  // eslint-disable-next-line no-control-regex
  const printable = !text.includes('\uFFFD') && !/[\u0000-\u0008\u000E-\u001F]/.test(text);
  const cutNote =
    bytes.length > SHOWN_BYTES
      ? html`<p class="muted small">first ${SHOWN_BYTES} of ${bytes.length} bytes</p>`
      : '';
  if (printable) {
    let pretty = text;
    try {
      pretty = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // not JSON: shown as it is
    }
    return html`<pre class="bytes" data-kind="${what}">${pretty}</pre>
      ${cutNote}`;
  }
  const hex = (shown.toString('hex').match(/.{1,32}/g) ?? [])
    .map((l) => l.replace(/(..)/g, '$1 ').trim())
    .join('\n');
  return html`<p class="muted small">${bytes.length} bytes, binary (hex)</p>
    <pre class="bytes">${hex}</pre>
    ${cutNote}`;
}

/**
 * When the task was last redriven from DEAD (ms since the epoch), read from its latest
 * note (`redriven from DEAD at ISO-TIME …`, src/server/admin-operations.ts); NaN when the
 * note names no time; undefined when it was never redriven.
 */
function lastRedrive(t: TaskRecord): number | undefined {
  const notes = t.history ?? [];
  if (notes.length === 0) return undefined;
  const at = /^redriven from DEAD at (\S+)/.exec(notes[notes.length - 1]!)?.[1];
  return at === undefined ? NaN : Date.parse(at);
}

function fieldsTable(t: TaskRecord, redriven: boolean): SafeHtml {
  const rows: [string, SafeHtml | string][] = [
    ['id', html`<span class="mono">${t.id}</span>`],
    ['queue', html`<a class="mono" href="/queues/${seg(t.queue)}">${t.queue}</a>`],
    ['state', html`<span class="badge state-${t.state.toLowerCase()}">${t.state}</span>`],
    ['priority', String(t.priority)],
    // A redrive starts the count again: the notes say how many attempts came before.
    ['attempt', `${t.attempt} of ${t.maxAttempts}${redriven ? ' since the redrive' : ''}`],
    [
      'fairness_key',
      t.fairnessKey
        ? html`<span class="mono">${t.fairnessKey}</span>`
        : html`<span class="muted">(default key)</span>`,
    ],
    ['enqueued', instant(t.enqueueTime)],
  ];
  if (t.dueTime !== undefined) rows.push(['due_time', instant(t.dueTime)]);
  return html`<table class="kv">
    ${rows.map(
      ([k, v]) =>
        html`<tr>
          <th>${k}</th>
          <td>${v}</td>
        </tr>`,
    )}
  </table>`;
}

/**
 * `/queues/{queue}/tasks/{id}`: every field, headers, payload, attempts with the last
 * error and the operators' notes, the result, cancel, and the claim waterfall while this
 * replica still keeps the message that delivered it.
 */
export async function taskPage(
  ctx: ConsoleContext,
  req: PageRequest,
  queueName: string,
  taskId: string,
): Promise<SafeHtml> {
  const t = await ctx.admin.getTask(req.caller, queueName, taskId);
  const base = `/queues/${seg(t.queue)}/tasks/${seg(t.id)}`;
  const headers = Object.entries(t.headers).sort(([a], [b]) => a.localeCompare(b));
  const kept = ctx.latency.find(t.id);
  // Where this task is among the tasks of the kept delivery's message.
  const keptAt = kept ? kept.taskIds.indexOf(t.id) : -1;
  const redrivenAt = lastRedrive(t);
  const redriven = redrivenAt !== undefined;
  const keptAttempt = kept ? kept.attempts[keptAt] : undefined;
  // The kept delivery may be one of the attempts before the redrive, whose count started again.
  const keptBefore =
    kept !== undefined &&
    redriven &&
    (t.attempt === 0 || kept.leasedAt < redrivenAt || (keptAttempt ?? 0) > t.attempt);
  const deliveryNote = !kept
    ? ''
    : keptBefore
      ? `The last delivery, before the redrive: attempt ${keptAttempt ?? '?'}, leased ${instant(kept.leasedAt)}. This replica keeps none since.`
      : `The delivery of attempt ${keptAttempt ?? '?'}, leased ${instant(kept.leasedAt)}: the latest this replica keeps for this task.`;
  const delivered =
    t.attempt === 0
      ? redriven
        ? 'Not delivered since it was redriven.'
        : 'Not delivered yet.'
      : `Delivered ${t.attempt} time${t.attempt === 1 ? '' : 's'}${redriven ? ' since it was redriven,' : ''} of at most ${t.maxAttempts}.`;
  const cancellable = t.state === 'PENDING' || t.state === 'SCHEDULED' || t.state === 'LEASED';
  const body = html` <p class="crumbs">
      <a href="/">Queues</a> / <a class="mono" href="/queues/${seg(t.queue)}">${t.queue}</a> /
    </p>
    <section class="head">
      <h1 class="mono">${t.id}</h1>
      <div class="actions">
        ${
          cancellable
            ? html`<form method="post" action="${base}/cancel">
                ${csrfField(req)}<label class="every"
                  ><input type="checkbox" name="yes" value="1" required /> yes, cancel it</label
                ><button class="danger">Cancel task</button>
              </form>`
            : ''
        }
        ${
          t.state === 'DEAD'
            ? html`<form method="post" action="/queues/${seg(t.queue)}/redrive">
                ${csrfField(req)}<input type="hidden" name="task" value="${t.id}" /><input
                  type="hidden"
                  name="back"
                  value="task"
                /><button>Redrive</button>
              </form>`
            : ''
        }
      </div>
    </section>
    ${flash(req.url)}
    <div class="two">
      <section class="card">
        <h2>Fields</h2>
        ${fieldsTable(t, redriven)}
      </section>
      <section class="card">
        <h2>Headers</h2>
        ${
          headers.length > 0
            ? html`<table class="kv headers">
                ${headers.map(
                  ([k, v]) =>
                    html`<tr>
                      <th class="mono">${k}</th>
                      <td class="mono">${v}</td>
                    </tr>`,
                )}
              </table>`
            : html`<p class="muted">No headers.</p>`
        }
      </section>
    </div>
    <section class="card">
      <h2>Payload</h2>
      ${bytesView(t.payload, 'payload')}
    </section>
    <section class="card">
      <h2>Attempts</h2>
      <p data-attempts>${delivered}</p>
      ${
        // The notes record redrives only: a cancel shows here, not among them.
        t.state === 'CANCELLED' ? html`<p data-cancelled>Cancelled: it will not run again.</p>` : ''
      }
      ${
        t.lastError
          ? html`<h3>Last error${redriven && t.attempt === 0 ? ', before the redrive' : ''}</h3>
              <pre class="bytes err" data-kind="error">${t.lastError}</pre>`
          : html`<p class="muted">No error.</p>`
      }
      ${
        (t.history ?? []).length > 0
          ? html`<h3>Redrives</h3>
              <ul class="notes">
                ${(t.history ?? []).map((n) => html`<li>${n}</li>`)}
              </ul>`
          : ''
      }
    </section>
    <section class="card">
      <h2>Result</h2>
      ${bytesView(t.result, 'result')}
    </section>
    <section class="card">
      <h2>Claim waterfall</h2>
      ${
        kept
          ? html`<p class="muted" data-delivery>${deliveryNote}</p>
              ${claimWaterfall(kept, keptAt, ctx.storeName)}`
          : html`<p class="muted">
              This replica no longer holds the timings of this task's claim (it keeps the latest messages and
              the slowest of each minute), or another replica delivered it.
            </p>`
      }
    </section>`;
  return page(req, { title: t.id, section: 'queues', replica: ctx.replica }, body);
}
