import type { TaskServiceHandlers } from '../api/generated/codeq/v1/TaskService.js';
import { InvalidArgumentError, TaskNotFoundError } from '../domain/errors.js';
import type { EnqueueResult } from '../domain/task.js';
import type { AdminOperations } from './admin-operations.js';
import { EnqueueStream } from './enqueue-stream.js';
import { unary } from './grpc-status.js';
import { taskMessage } from './messages.js';
import type { ServerContext } from './server-context.js';
import { countStream } from './server-limits.js';
import { storeTasks } from './store-tasks.js';
import { durationMs, toNewTask, toNewTasks, validateQueue, validateTaskId } from './validation.js';

/** How long WaitTask waits when the request does not say, and at most. */
const DEFAULT_WAIT_MS = 30_000;
const MAX_WAIT_MS = 3_600_000;

const firstResult = (results: EnqueueResult[]): EnqueueResult => results[0]!;

/** The producer's API: every task is validated whole before anything is stored. */
export function taskServiceHandlers(
  ctx: ServerContext,
  ops: AdminOperations,
  enqueueStreams: Set<EnqueueStream>,
): TaskServiceHandlers {
  const limits = ctx.config;
  return {
    // The hottest call of a service whose producers call it once per task: checked
    // synchronously, then one promise chain from the batcher to the reply.
    Enqueue: unary(ctx, (req, call) => {
      const task = toNewTask(req, limits);
      ctx.access.authorize(call, 'enqueue', [task.queue]);
      const charged = ctx.access.chargeEnqueue(call, 1);
      const store = (): Promise<EnqueueResult> => storeTasks(ctx, [task], call.metadata).then(firstResult);
      return charged ? charged.then(store) : store();
    }),
    EnqueueBatch: unary(ctx, async (req, call) => {
      const tasks = toNewTasks(req.tasks ?? [], limits);
      if (ctx.access.enabled) ctx.access.authorize(call, 'enqueue', new Set(tasks.map((t) => t.queue)));
      await ctx.access.chargeEnqueue(call, tasks.length);
      const results = await storeTasks(ctx, tasks, call.metadata);
      return { results };
    }),
    EnqueueStream: (call) => {
      const endStream = countStream(ctx, call);
      if (!endStream) return;
      const stream = new EnqueueStream(call, ctx, (s) => {
        enqueueStreams.delete(s);
        endStream();
      });
      enqueueStreams.add(stream);
    },
    GetTask: unary(ctx, async (req, call) => taskMessage(await ops.getTask(call, req.queue, req.taskId))),
    CancelTask: unary(ctx, async (req, call) => ({
      cancelled: await ops.cancel(call, req.queue, req.taskId),
    })),
    WaitTask: unary(ctx, async (req, call) => {
      const queue = validateQueue(req.queue);
      const taskId = validateTaskId(req.taskId);
      const timeoutMs = durationMs(req.timeout, 'timeout') ?? DEFAULT_WAIT_MS;
      if (timeoutMs > MAX_WAIT_MS)
        throw new InvalidArgumentError('timeout', `must be at most 1h, got ${timeoutMs} ms`);
      ctx.access.authorize(call, 'read', [queue]);
      const endCallerWait = ctx.access.beginWait(call, ctx.config.maxWaitsPerCaller);
      let endServerWait: () => void;
      try {
        endServerWait = ctx.limits.beginWait();
      } catch (err) {
        endCallerWait();
        throw err;
      }
      const endWait = (): void => {
        endCallerWait();
        endServerWait();
      };
      // The store hears of the finish (on any replica) and wakes this call; a caller that
      // hangs up or whose deadline passes stops the wait at once.
      const abort = new AbortController();
      const stop = (): void => abort.abort();
      call.once('cancelled', stop);
      const deadline = call.getDeadline();
      const deadlineMs =
        deadline instanceof Date ? deadline.getTime() : typeof deadline === 'number' ? deadline : Infinity;
      // Answer a little before the caller's deadline, so the task reaches it.
      const waitMs = Math.max(0, Math.min(timeoutMs, deadlineMs - Date.now() - 50));
      try {
        const task = await ctx.store.waitFinished(queue, taskId, waitMs, abort.signal);
        if (!task) throw new TaskNotFoundError(queue, taskId);
        return taskMessage(task);
      } finally {
        endWait();
        call.removeListener('cancelled', stop);
      }
    }),
  };
}
