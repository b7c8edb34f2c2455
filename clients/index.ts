/**
 * The codeQ client library: {@link Worker} takes leased tasks over one Claim stream and
 * runs a handler for each; {@link Producer} enqueues, inspects and cancels tasks.
 */
export { Worker } from './worker.js';
export type { LeaseLostEvent, ReconnectEvent, WorkerEvents, WorkerState } from './worker-events.js';
export { resolveWorkerOptions } from './worker-options.js';
export type { ResolvedWorkerOptions, WorkerLogger, WorkerOptions } from './worker-options.js';
export { LeaseLostError, TaskError } from './worker-task.js';
export type { HandlerContext, TaskHandler, WorkerTask } from './worker-task.js';
export { Producer } from './producer.js';
export type {
  BatchTask,
  CallOptions,
  EnqueueOptions,
  EnqueueResult,
  ProducerOptions,
  TaskInfo,
  TaskOptions,
} from './producer.js';
export type { Bytes } from './bytes.js';
