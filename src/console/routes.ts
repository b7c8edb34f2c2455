/** The console's routing table: which page a GET path renders, what a POST path's form does. */

import { CodeqError, InvalidArgumentError, TaskNotFoundError } from '../domain/errors.js';
import { MAX_CLAIMS_PER_SECOND, MAX_LEASED_PER_KEY } from '../domain/queue-limits.js';
import type { AccessControl } from '../server/auth/access-control.js';
import type { ConsoleContext, PageRequest } from './console-context.js';
import { seg, type SafeHtml } from './html.js';
import { latencyPage } from './pages/latency-page.js';
import { queuePage } from './pages/queue-page.js';
import { queuesPage } from './pages/queues-page.js';
import { taskPage } from './pages/task-page.js';

const QUEUE_ACTION = /^\/queues\/([^/]+)\/(pause|resume|purge|redrive|config)$/;
const TASK_ACTION = /^\/queues\/([^/]+)\/tasks\/([^/]+)\/cancel$/;
const QUEUE_PAGE = /^\/queues\/([^/]+)$/;
const TASK_PAGE = /^\/queues\/([^/]+)\/tasks\/([^/]+)$/;

/** Thrown by a page that sends the browser elsewhere (search by id). */
export class HttpRedirect extends Error {
  constructor(readonly location: string) {
    super(`redirect to ${location}`);
  }
}

/**
 * The page at `path`. Throws a NOT_FOUND `CodeqError` for a path that names none, and
 * `HttpRedirect` when the request searches a queue by task id.
 */
export async function renderPage(ctx: ConsoleContext, req: PageRequest, path: string): Promise<SafeHtml> {
  if (path === '/') return queuesPage(ctx, req);
  if (path === '/latency') return latencyPage(ctx, req);
  let m = QUEUE_PAGE.exec(path);
  if (m) {
    const queue = decode(m[1]!);
    const id = req.url.searchParams.get('id')?.trim();
    if (id) await findTask(ctx, req.caller, queue, id);
    return queuePage(ctx, req, queue);
  }
  m = TASK_PAGE.exec(path);
  if (m) return taskPage(ctx, req, decode(m[1]!), decode(m[2]!));
  throw notFound();
}

/** Search by id: to the task's page when it exists, else back with a note. */
async function findTask(ctx: ConsoleContext, caller: object, queue: string, id: string): Promise<never> {
  const back = `/queues/${seg(queue)}`;
  try {
    await ctx.admin.getTask(caller, queue, id);
  } catch (err) {
    if (err instanceof TaskNotFoundError || (err as { kind?: string }).kind === 'INVALID_ARGUMENT')
      throw new HttpRedirect(`${back}?done=not-found`);
    throw err;
  }
  throw new HttpRedirect(`${back}/tasks/${seg(id)}`);
}

/**
 * Runs the state-changing form posted to `path`; returns where to go next. Every action
 * needs `admin` on the queue (checked by the operation, or here before asking to confirm).
 */
export async function runAction(
  ctx: ConsoleContext,
  access: AccessControl,
  caller: object,
  path: string,
  form: URLSearchParams,
): Promise<string> {
  const task = TASK_ACTION.exec(path);
  if (task) {
    const queue = decode(task[1]!);
    const id = decode(task[2]!);
    access.authorize(caller, 'admin', [queue]);
    // It will not run again: asked for in so many words, as a redrive of every dead task is.
    if (form.get('yes') !== '1') return `/queues/${seg(queue)}/tasks/${seg(id)}?done=confirm-cancel`;
    const cancelled = await ctx.admin.cancel(caller, queue, id);
    // A leased task runs on until its worker's next extension is refused: say so.
    const leased = cancelled && (await ctx.admin.getTask(caller, queue, id)).state === 'LEASED';
    const done = leased ? 'cancel-requested' : cancelled ? 'cancelled' : 'not-cancelled';
    return `/queues/${seg(queue)}/tasks/${seg(id)}?done=${done}`;
  }
  const m = QUEUE_ACTION.exec(path);
  if (!m) throw notFound();
  const queue = decode(m[1]!);
  const back = `/queues/${seg(queue)}`;
  switch (m[2]) {
    case 'pause':
      return `${back}?done=${(await ctx.admin.setPaused(caller, queue, true)) ? 'already-paused' : 'paused'}`;
    case 'resume':
      return `${back}?done=${(await ctx.admin.setPaused(caller, queue, false)) ? 'resumed' : 'not-paused'}`;
    case 'config': {
      await ctx.admin.setConfig(caller, queue, {
        maxLeasedPerKey: formLimit(
          form.get('max_leased_per_key'),
          'config.max_leased_per_key',
          MAX_LEASED_PER_KEY,
        ),
        maxClaimsPerSecond: formLimit(
          form.get('max_claims_per_second'),
          'config.max_claims_per_second',
          MAX_CLAIMS_PER_SECOND,
        ),
      });
      return `${back}?done=configured#fair-shares`;
    }
    case 'purge': {
      if (form.get('confirm') !== queue) {
        access.authorize(caller, 'admin', [queue]);
        return `${back}?done=confirm-purge`;
      }
      const n = await ctx.admin.purge(caller, queue);
      return `${back}?done=purged&n=${n}`;
    }
    default: {
      const ids = form.getAll('task');
      if (form.get('all') !== '1' && ids.length === 0) return `${back}?state=DEAD&done=none-selected`;
      // Every dead task runs again: asked for in so many words, as a purge is.
      if (form.get('all') === '1' && form.get('every') !== '1') {
        access.authorize(caller, 'admin', [queue]);
        return `${back}?state=DEAD&done=confirm-redrive`;
      }
      // "Redrive all 147 dead" redrives 147: when more died (or fewer are left) since the
      // page said so, it shows the new count and asks again.
      const shown = form.get('shown');
      if (form.get('all') === '1' && shown !== null) {
        const dead = (await ctx.admin.queueStats(caller, queue)).stats.dead;
        if (dead > 0 && String(dead) !== shown.trim())
          return `${back}?state=DEAD&done=recount&shown=${Number.parseInt(shown, 10) || 0}&n=${dead}`;
      }
      const n = await ctx.admin.redrive(caller, queue, form.get('all') === '1' ? [] : ids);
      // From a DEAD task's own page: back to it, where it now reads PENDING.
      if (form.get('back') === 'task' && ids.length === 1)
        return `${back}/tasks/${seg(ids[0]!)}?done=redriven&n=${n}`;
      return `${back}?state=DEAD&done=redriven&n=${n}`;
    }
  }
}

/**
 * The queue page an action path came from, as the path spells it (still encoded), for
 * the way back from a refused action; undefined when `path` is no action on a queue.
 */
export function actionQueuePath(path: string): string | undefined {
  const onQueue = QUEUE_ACTION.exec(path) ?? TASK_ACTION.exec(path);
  return onQueue ? `/queues/${onQueue[1]!}` : undefined;
}

function notFound(): CodeqError {
  return new CodeqError('NOT_FOUND', 'no such page');
}

/** A path segment decoded; a malformed escape is bad input, not a crash. */
function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidArgumentError('path', `malformed percent-encoding in ${JSON.stringify(segment)}`);
  }
}

/**
 * A limit field of the config form as a number for `validateQueueConfig`: empty means 0
 * (no limit); anything that is not a whole number becomes NaN, which the validation
 * refuses naming the field.
 */
function formLimit(text: string | null, field: string, max: number): number {
  const t = (text ?? '').trim();
  if (t === '') return 0;
  if (!/^\d+$/.test(t) || Number(t) > max)
    throw new InvalidArgumentError(
      field,
      `must be a whole number between 0 (no limit) and ${max}, got ${JSON.stringify(t)}`,
    );
  return Number(t);
}
