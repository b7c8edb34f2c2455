import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { TaskServiceHandlers } from '../api/generated/codeq/v1/TaskService.js';
import { TaskNotFoundError } from '../domain/errors.js';
import { EnqueueStream } from './enqueue-stream.js';
import { toGrpcStatus } from './grpc-status.js';
import { taskMessage } from './messages.js';
import type { ServerContext } from './server-context.js';
import { storeTasks } from './store-tasks.js';
import { toNewTask, toNewTasks, validateQueue, validateTaskId } from './validation.js';

/** Runs a unary handler body, turning any thrown error into the call's status. */
export function unary<Req, Res>(
  ctx: ServerContext,
  body: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    body(call.request, call).then(
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
      const [result] = await storeTasks(ctx, [toNewTask(req, limits)], call.metadata);
      return result!;
    }),
    EnqueueBatch: unary(ctx, async (req, call) => {
      const results = await storeTasks(ctx, toNewTasks(req.tasks ?? [], limits), call.metadata);
      return { results };
    }),
    EnqueueStream: (call) => {
      const stream = new EnqueueStream(call, ctx, (s) => enqueueStreams.delete(s));
      enqueueStreams.add(stream);
    },
    GetTask: unary(ctx, async (req) => {
      const queue = validateQueue(req.queue);
      const taskId = validateTaskId(req.taskId);
      const task = await ctx.store.getTask(queue, taskId);
      if (!task) throw new TaskNotFoundError(queue, taskId);
      return taskMessage(task);
    }),
    CancelTask: unary(ctx, async (req) => {
      const queue = validateQueue(req.queue);
      const taskId = validateTaskId(req.taskId);
      const cancelled = await ctx.store.cancel(queue, taskId);
      if (cancelled === null) throw new TaskNotFoundError(queue, taskId);
      return { cancelled };
    }),
  };
}
