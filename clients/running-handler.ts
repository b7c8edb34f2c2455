import type { ExtendableLease } from './lease-extender.js';
import type { TaskSpans } from './worker-tracer.js';
import type { HandlerContext, WorkerTask } from './worker-task.js';

/** A handler the worker is running. */
export interface Running extends ExtendableLease {
  readonly task: WorkerTask;
  /** Made when the handler first reads its signal, or to abort it: most handlers never look. */
  controller: AbortController | undefined;
  /** The server refused an extension: results would be refused too, so none is sent. */
  lost: boolean;
  /** It refused it because the task was cancelled: the lease is released once the handler stops. */
  cancelled?: boolean;
  readonly spans: TaskSpans;
}

/** The worker's result limit, one object for all its handlers, updated when a stream opens. */
export interface ResultLimit {
  readonly maxResultBytes: number;
}

/** The handler's abort controller, made on first use. */
export function abortOf(entry: Running): AbortController {
  return (entry.controller ??= new AbortController());
}

/**
 * A running handler's context. Its signal is made on first read (a class keeps the getter
 * on the prototype, where an object literal would make one per task); `extend` is an own
 * property, so it works destructured. The result limit is read when asked: the stream the
 * result goes out on may be a newer one than the lease came on.
 */
export class RunningContext implements HandlerContext {
  readonly #entry: Running;
  readonly #limits: ResultLimit;

  constructor(
    entry: Running,
    readonly extend: (ms?: number) => void,
    limits: ResultLimit,
  ) {
    this.#entry = entry;
    this.#limits = limits;
  }

  get signal(): AbortSignal {
    return abortOf(this.#entry).signal;
  }

  get maxResultBytes(): number {
    return this.#limits.maxResultBytes;
  }
}
