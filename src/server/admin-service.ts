import type { AdminServiceHandlers } from '../api/generated/codeq/v1/AdminService.js';
import { InvalidArgumentError } from '../domain/errors.js';
import type { QueueStats as QueueStatsMessage } from '../api/generated/codeq/v1/QueueStats.js';
import { msToDuration } from '../api/time.js';
import type { QueueStats } from '../lease-store/lease-store.js';
import type { AdminOperations } from './admin-operations.js';
import { taskMessage } from './messages.js';
import type { ServerContext } from './server-context.js';
import { unary } from './grpc-status.js';
import { validateQueue } from './validation.js';

/** Queues of one ListQueues page when the caller does not say, and at most. */
const DEFAULT_QUEUE_PAGE = 1000;
const MAX_QUEUE_PAGE = 5000;

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
    readyKeys: stats.readyKeys,
    rateLimited: stats.rateLimited === true,
  };
  if (stats.oldestReadySince !== null)
    message.oldestReadyAge = msToDuration(Math.max(0, now - stats.oldestReadySince));
  return message;
}

/**
 * The operator's API over {@link AdminOperations}. Every call needs the `admin` scope on
 * the queue it names, except GetQueueConfig and ListKeys, which need `read`; ListQueues
 * shows only the queues the caller holds `admin` on, and refuses a caller with `admin` on none.
 */
export function adminServiceHandlers(ctx: ServerContext, ops: AdminOperations): AdminServiceHandlers {
  return {
    GetQueueStats: unary(ctx, async (req, call) => {
      const q = await ops.queueStats(call, req.queue);
      return queueStatsMessage(q.queue, q.stats, q.paused, Date.now());
    }),
    ListQueues: unary(ctx, async (req, call) => {
      ctx.access.authorizeSome(call, 'admin');
      const pageSize = req.pageSize || DEFAULT_QUEUE_PAGE;
      if (!Number.isInteger(pageSize) || pageSize > MAX_QUEUE_PAGE)
        throw new InvalidArgumentError('page_size', `must be at most ${MAX_QUEUE_PAGE}, got ${pageSize}`);
      const after = req.pageToken ? validateQueue(req.pageToken, 'page_token') : undefined;
      const { queues, next } = await ops.listQueues(call, { after, limit: pageSize });
      const now = Date.now();
      return {
        queues: queues.map((q) => queueStatsMessage(q.queue, q.stats, q.paused, now)),
        nextPageToken: next ?? '',
      };
    }),
    ListTasks: unary(ctx, async (req, call) => {
      const page = await ops.listTasks(call, req.queue, req.state, req.cursor || null, req.pageSize);
      return { tasks: page.tasks.map(taskMessage), nextCursor: page.nextCursor ?? '' };
    }),
    RedriveDeadTasks: unary(ctx, async (req, call) => ({
      redriven: await ops.redrive(call, req.queue, req.taskIds ?? []),
    })),
    PurgeQueue: unary(ctx, async (req, call) => ({ purged: await ops.purge(call, req.queue) })),
    PauseQueue: unary(ctx, async (req, call) => ({
      wasPaused: await ops.setPaused(call, req.queue, true),
    })),
    ResumeQueue: unary(ctx, async (req, call) => ({
      wasPaused: await ops.setPaused(call, req.queue, false),
    })),
    SetQueueConfig: unary(ctx, async (req, call) => ops.setConfig(call, req.queue, req.config)),
    GetQueueConfig: unary(ctx, async (req, call) => ops.getConfig(call, req.queue)),
    ListKeys: unary(ctx, async (req, call) => {
      const page = await ops.listKeys(call, req.queue, req.pageToken || null, req.pageSize);
      return { keys: page.keys, nextPageToken: page.nextCursor ?? '' };
    }),
  };
}
