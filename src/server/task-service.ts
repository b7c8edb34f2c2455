import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { TaskServiceHandlers } from '../api/generated/codeq/v1/TaskService.js';
import { InvalidArgumentError, TaskNotFoundError } from '../domain/errors.js';
import { EnqueueStream } from './enqueue-stream.js';
import { toGrpcStatus } from './grpc-status.js';
import { taskMessage } from './messages.js';
import type { ServerContext } from './server-context.js';
import { storeTasks } from './store-tasks.js';
import { durationMs, toNewTask, toNewTasks, validateQueue, validateTaskId } from './validation.js';

/** How long WaitTask waits when the request does not say, and at most. */
const DEFAULT_WAIT_MS = 30_000;
const MAX_WAIT_MS = 3_600_000;

/**
 * Runs a unary handler body, turning any thrown error into the call's status. When auth is
 * on, the call is authenticated first, so the body can check scopes with `ctx.access.authorize`.
 */
export function unary<Req, Res>(
  ctx: ServerContext,
  body: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    const run = ctx.access.enabled
      ? ctx.access.authenticate(call).then(() => body(call.request, call))
      : body(call.request, call);
    run.then(
      (response) => callback(null, response),
      (err: unknown) => callback(toGrpcStatus(err, ctx.logger)),
    );
  };
}

/** The producer's API: every task is validated whole before anything is stored. */
export function taskServiceHandlers(
  ctx: ServerContext,
  enqueueStreams: Set<EnqueueStream>,
): TaskServiceHandlers {
  const limits = ctx.config;
  return {
    Enqueue: unary(ctx, async (req, call) => {
      const task = toNewTask(req, limits);
      ctx.access.authorize(call, 'enqueue', [task.queue]);
      ctx.access.chargeEnqueue(call, 1);
      const [result] = await storeTasks(ctx, [task], call.metadata);
      return result!;
    }),
    EnqueueBatch: unary(ctx, async (req, call) => {
      const tasks = toNewTasks(req.tasks ?? [], limits);
      if (ctx.access.enabled) ctx.access.authorize(call, 'enqueue', new Set(tasks.map((t) => t.queue)));
      ctx.access.chargeEnqueue(call, tasks.length);
      const results = await storeTasks(ctx, tasks, call.metadata);
      return { results };
    }),
    EnqueueStream: (call) => {
      const stream = new EnqueueStream(call, ctx, (s) => enqueueStreams.delete(s));
      enqueueStreams.add(stream);
    },
    GetTask: unary(ctx, async (req, call) => {
      const queue = validateQueue(req.queue);
      const taskId = validateTaskId(req.taskId);
      ctx.access.authorize(call, 'read', [queue]);
      const task = await ctx.store.getTask(queue, taskId);
      if (!task) throw new TaskNotFoundError(queue, taskId);
      return taskMessage(task);
    }),
    CancelTask: unary(ctx, async (req, call) => {
      const queue = validateQueue(req.queue);
      const taskId = validateTaskId(req.taskId);
      // Whoever may add tasks to a queue may withdraw them; `admin` implies it.
      ctx.access.authorize(call, 'enqueue', [queue]);
      const cancelled = await ctx.store.cancel(queue, taskId);
      if (cancelled === null) throw new TaskNotFoundError(queue, taskId);
      return { cancelled };
    }),
    WaitTask: unary(ctx, async (req, call) => {
      const queue = validateQueue(req.queue);
      const taskId = validateTaskId(req.taskId);
      const timeoutMs = durationMs(req.timeout, 'timeout') ?? DEFAULT_WAIT_MS;
      if (timeoutMs > MAX_WAIT_MS)
        throw new InvalidArgumentError('timeout', `must be at most 1h, got ${timeoutMs} ms`);
      ctx.access.authorize(call, 'read', [queue]);
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
        call.removeListener('cancelled', stop);
      }
    }),
  };
}
