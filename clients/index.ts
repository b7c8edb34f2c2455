/**
 * The codeQ client library: {@link Worker} takes leased tasks over one Claim stream and
 * runs a handler for each; {@link Producer} enqueues, inspects, waits for and cancels
 * tasks; {@link Admin} is the operator's API (queue counts, redrive, purge, pause).
 *
 * ```ts
 * const producer = new Producer({ address: '127.0.0.1:7070' });
 * await producer.enqueue('emails', JSON.stringify({ to: 'a@example.com' }), { maxAttempts: 3 });
 *
 * const worker = new Worker({
 *   address: '127.0.0.1:7070',
 *   queues: ['emails'],
 *   concurrency: 8,
 *   handler: async (task, { signal }) => {
 *     const mail = JSON.parse(task.payload.toString());
 *     if (!mail.to) throw new TaskError('no recipient', { permanent: true });
 *     await send(mail, { signal });
 *     return 'sent';
 *   },
 * });
 * await worker.start();
 * process.once('SIGTERM', () => void worker.stop());
 * ```
 */
export { Worker } from './worker.js';
export type {
  LeaseLostEvent,
  ReconnectEvent,
  SettledEvent,
  FailedEvent,
  WorkerEvents,
  WorkerState,
} from './worker-events.js';
export { MAX_WORKER_LEASES, resolveWorkerOptions } from './worker-options.js';
export type { ResolvedWorkerOptions, WorkerLogger, WorkerOptions } from './worker-options.js';
export { LeaseLostError, TaskError, TaskReleaseError } from './worker-task.js';
export type { HandlerContext, TaskHandler, WorkerTask } from './worker-task.js';
export { Producer, TaskWaitTimeoutError } from './producer.js';
export type {
  BatchTask,
  CallOptions,
  EnqueueOptions,
  EnqueueResult,
  ProducerOptions,
  TaskInfo,
  TaskOptions,
  WaitOptions,
} from './producer.js';
export { Admin } from './admin.js';
export type {
  AdminOptions,
  KeyInfo,
  ListableTaskState,
  PauseOutcome,
  QueueLimits,
  QueueStatsInfo,
  TaskListPage,
} from './admin.js';
export type { Bytes } from './bytes.js';
export type { KeepaliveOptions } from './keepalive.js';
export { tlsCredentials, withBearerToken } from './credentials.js';
export type { TlsFiles } from './credentials.js';
