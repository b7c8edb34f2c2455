import { count } from '../format.js';
import { html, type SafeHtml } from '../html.js';

/**
 * The note a page shows after an action redirected to it (`?done=CODE&n=N`, some with `&shown=N`). Only these
 * fixed texts exist, so a crafted link cannot put words of its choosing on the page.
 */
export function flash(url: URL): SafeHtml {
  const n = Number.parseInt(url.searchParams.get('n') ?? '0', 10) || 0;
  const tasks = `${count(n)} task${n === 1 ? '' : 's'}`;
  const shown = Number.parseInt(url.searchParams.get('shown') ?? '0', 10) || 0;
  const texts: Record<string, [string, string]> = {
    paused: ['ok', 'Queue paused: workers get no more of its tasks until it is resumed.'],
    'already-paused': ['warn', 'The queue was already paused; nothing changed.'],
    resumed: ['ok', 'Queue resumed.'],
    'not-paused': ['warn', 'The queue was not paused; nothing changed.'],
    configured: ['ok', 'Limits saved: every replica applies them from its next claim.'],
    purged: ['ok', `Purged ${tasks}.`],
    redriven: ['ok', `Redriven ${tasks} from DEAD to PENDING.`],
    cancelled: ['ok', 'Task cancelled: it will not run again.'],
    'cancel-requested': [
      'ok',
      'Cancel requested: a worker is running the task; its lease is not renewed, so the worker stops it at its next extension and it ends CANCELLED, unless it completes first.',
    ],
    'not-cancelled': ['warn', 'The task had already finished; nothing to cancel.'],
    'confirm-purge': ['warn', 'Not purged: type the queue name to confirm.'],
    'confirm-redrive': ['warn', 'Not redriven: tick "every one" to run every dead task again.'],
    'confirm-cancel': ['warn', 'Not cancelled: tick "yes, cancel it" to cancel the task.'],
    recount: [
      'warn',
      `Not redriven: ${count(shown)} ${shown === 1 ? 'was' : 'were'} shown, ${count(n)} ${n === 1 ? 'is' : 'are'} dead now: confirm again to redrive ${count(n)}.`,
    ],
    'none-selected': ['warn', 'Select at least one task first.'],
    'not-found': ['warn', 'No task with that id in this queue.'],
  };
  const entry = texts[url.searchParams.get('done') ?? ''];
  return entry ? html`<p class="flash ${entry[0]}" role="status">${entry[1]}</p>` : html``;
}
