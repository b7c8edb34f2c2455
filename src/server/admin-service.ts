import type { AdminServiceHandlers } from '../api/generated/codeq/v1/AdminService.js';
import type { QueueStats as QueueStatsMessage } from '../api/generated/codeq/v1/QueueStats.js';
import { msToDuration } from '../api/time.js';
import { InvalidArgumentError } from '../domain/errors.js';
import type { ListableState, QueueStats } from '../lease-store/lease-store.js';
import { taskMessage } from './messages.js';
import type { ServerContext } from './server-context.js';
import { unary } from './task-service.js';
import { validateQueue, validateTaskId } from './validation.js';

/** Tasks of one ListTasks page when the caller does not say, and at most. */
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
/** Task ids one RedriveDeadTasks call may name. */
const MAX_REDRIVE_IDS = 10_000;

const LISTABLE: readonly string[] = ['PENDING', 'SCHEDULED', 'LEASED', 'DEAD'] satisfies ListableState[];

/** A queue's counts as the API's QueueStats message; `now` dates the oldest ready task. */
export function queueStatsMessage(
  queue: string,
  stats: QueueStats,
  paused: boolean,
  now: number,
): QueueStatsMessage {
  const message: QueueStatsMessage = {
    queue,
    ready: stats.ready,
    scheduled: stats.scheduled,
    leased: stats.leased,
    dead: stats.dead,
    paused,
  };
  if (stats.oldestReadyEnqueueTime !== null)
    message.oldestReadyAge = msToDuration(Math.max(0, now - stats.oldestReadyEnqueueTime));
  return message;
}

/**
 * The operator's API. Every call needs the `admin` scope on the queue it names; ListQueues
 * shows only the queues the caller holds `admin` on.
 */
export function adminServiceHandlers(ctx: ServerContext): AdminServiceHandlers {
  const { store } = ctx;
  return {
    GetQueueStats: unary(ctx, async (req, call) => {
      const queue = validateQueue(req.queue);
      ctx.access.authorize(call, 'admin', [queue]);
      const [stats, paused] = await Promise.all([store.stats(queue), store.isPaused(queue)]);
      return queueStatsMessage(queue, stats, paused, Date.now());
    }),
    ListQueues: unary(ctx, async (_req, call) => {
      const known = (await store.listQueues()).filter((q) => ctx.access.allows(call, 'admin', q.queue));
      const stats = await Promise.all(known.map((q) => store.stats(q.queue)));
      const now = Date.now();
      return { queues: known.map((q, i) => queueStatsMessage(q.queue, stats[i]!, q.paused, now)) };
    }),
    ListTasks: unary(ctx, async (req, call) => {
      const queue = validateQueue(req.queue);
      const state = req.state ?? 'TASK_STATE_UNSPECIFIED';
      if (!LISTABLE.includes(state))
        throw new InvalidArgumentError('state', `must be one of ${LISTABLE.join(', ')}, got ${state}`);
      const pageSize = req.pageSize ?? DEFAULT_PAGE_SIZE;
      if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_PAGE_SIZE)
        throw new InvalidArgumentError('page_size', `must be at most ${MAX_PAGE_SIZE}, got ${pageSize}`);
      ctx.access.authorize(call, 'admin', [queue]);
      const page = await store.listTasks(
        queue,
        state as ListableState,
        req.cursor || null,
        pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize,
      );
      return { tasks: page.tasks.map(taskMessage), nextCursor: page.nextCursor ?? '' };
    }),
    RedriveDeadTasks: unary(ctx, async (req, call) => {
      const queue = validateQueue(req.queue);
      const ids = req.taskIds ?? [];
      if (ids.length > MAX_REDRIVE_IDS)
        throw new InvalidArgumentError('task_ids', `at most ${MAX_REDRIVE_IDS} per call, got ${ids.length}`);
      ids.forEach((id, i) => validateTaskId(id, `task_ids[${i}]`));
      ctx.access.authorize(call, 'admin', [queue]);
      const note = `redriven from DEAD at ${new Date().toISOString()}`;
      const redriven = await store.redrive(queue, ids.length === 0 ? null : ids, note);
      ctx.logger.info('dead tasks redriven', { queue, redriven });
      return { redriven };
    }),
    PurgeQueue: unary(ctx, async (req, call) => {
      const queue = validateQueue(req.queue);
      ctx.access.authorize(call, 'admin', [queue]);
      const purged = await store.purge(queue);
      ctx.logger.info('queue purged', { queue, purged });
      return { purged };
    }),
    PauseQueue: unary(ctx, async (req, call) => {
      const queue = validateQueue(req.queue);
      ctx.access.authorize(call, 'admin', [queue]);
      await store.setPaused(queue, true);
      ctx.logger.info('queue paused', { queue });
      return {};
    }),
    ResumeQueue: unary(ctx, async (req, call) => {
      const queue = validateQueue(req.queue);
      ctx.access.authorize(call, 'admin', [queue]);
      await store.setPaused(queue, false);
      ctx.logger.info('queue resumed', { queue });
      return {};
    }),
  };
}
