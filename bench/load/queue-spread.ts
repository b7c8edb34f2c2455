import type { WorkerSpec } from './load-workers.js';

/**
 * `--queues N`: the bench's tasks spread over N queues, `<queue>-0` .. `<queue>-<N-1>`,
 * taken in turn by each producer; worker stream i (counted over all worker processes)
 * claims from queue i mod N (BullMQ: Worker instance i). One queue (the default) keeps the
 * plain name.
 */
export function spreadQueue(queue: string, queues: number | undefined, index: number): string {
  return queues === undefined || queues <= 1 ? queue : `${queue}-${index % queues}`;
}

/** Hands out a producer's queues in turn. */
export class QueueTurns {
  readonly #queue: string;
  readonly #queues: number | undefined;
  #next = 0;

  constructor(queue: string, queues: number | undefined) {
    this.#queue = queue;
    this.#queues = queues;
  }

  /** The next task's queue. */
  next(): string {
    return spreadQueue(this.#queue, this.#queues, this.#next++);
  }
}

/** The queue worker stream (or BullMQ Worker) `index` of this process claims from. */
export function streamQueue(spec: WorkerSpec, index: number): string {
  return spreadQueue(spec.queue, spec.queues, (spec.firstStream ?? 0) + index);
}
