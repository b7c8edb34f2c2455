import { InvalidArgumentError, TaskNotFoundError } from '../domain/errors.js';
import type { TaskRecord } from '../domain/task.js';
import type {
  KeyPage,
  ListableState,
  QueueConfig,
  QueueInfo,
  QueueStats,
  TaskPage,
} from '../lease-store/lease-store.js';
import type { ServerContext } from './server-context.js';
import { validateQueue, validateQueueConfig, validateTaskId } from './validation.js';

/** Tasks of one task page when the caller does not say, and at most. */
export const DEFAULT_PAGE_SIZE = 100;
/** Tasks of one task page at most. */
export const MAX_PAGE_SIZE = 1000;
/** Task ids one redrive may name. */
const MAX_REDRIVE_IDS = 10_000;

/** The states a task listing can show. */
export const LISTABLE_STATES: readonly ListableState[] = ['PENDING', 'SCHEDULED', 'LEASED', 'DEAD'];

/** One queue as an operator sees it. */
export interface QueueSummary {
  queue: string;
  stats: QueueStats;
  paused: boolean;
}

/** A slice of the queue list: `contains` filters names, `offset` and `limit` page. */
export interface QueueListPage {
  contains?: string;
  offset: number;
  limit: number;
  /**
   * Queues to list beside those the store knows, under the same filter and grants (the
   * console's queues this replica saw traffic for, whose tasks are all done); listed as
   * not paused, since the store lists every paused queue. Default: none.
   */
  also?: Iterable<string>;
}

/**
 * The operator's operations, whatever the transport: the AdminService and the web
 * console both call these, so validation (errors name the field), scopes and logging are
 * the same on both. `caller` is the object the access control knows the principal by
 * (a gRPC call, or a console request); with auth off every caller may do everything.
 */
export class AdminOperations {
  readonly #ctx: Pick<ServerContext, 'store' | 'access' | 'logger'>;

  constructor(ctx: Pick<ServerContext, 'store' | 'access' | 'logger'>) {
    this.#ctx = ctx;
  }

  /** One queue's counts; scope `admin`. */
  async queueStats(caller: object, queueText: string | undefined): Promise<QueueSummary> {
    const queue = validateQueue(queueText);
    this.#ctx.access.authorize(caller, 'admin', [queue]);
    const [stats, paused] = await Promise.all([
      this.#ctx.store.stats(queue),
      this.#ctx.store.isPaused(queue),
    ]);
    return { queue, stats, paused };
  }

  /** Whether the store lists `queue` (from its first enqueue or pause until it empties); scope `admin`. */
  async queueListed(caller: object, queueText: string | undefined): Promise<boolean> {
    const queue = validateQueue(queueText);
    this.#ctx.access.authorize(caller, 'admin', [queue]);
    const listed = await this.#ctx.store.listQueues({ visible: (q) => q === queue, limit: 1 });
    return listed.length > 0;
  }

  /**
   * One page of the queues the caller holds `admin` on, with their counts, sorted by name:
   * at most `limit` after the name `after`. The caller's grants filter names before any
   * per-queue read, so a caller pays for the queues it may see; `next` is the token of the
   * following page, or undefined on the last.
   */
  async listQueues(
    caller: object,
    page: { after?: string | undefined; limit: number },
  ): Promise<{ queues: QueueSummary[]; next: string | undefined }> {
    const known = await this.#ctx.store.listQueues({
      visible: (queue) => this.#ctx.access.allows(caller, 'admin', queue),
      limit: page.limit + 1,
      ...(page.after !== undefined && { after: page.after }),
    });
    const shown = known.slice(0, page.limit);
    return {
      queues: await this.#summaries(shown),
      next: known.length > page.limit ? shown.at(-1)!.queue : undefined,
    };
  }

  /** Whether `caller` sees every queue in listings (`admin` on `*`, or access control off). */
  seesEveryQueue(caller: object): boolean {
    return this.#ctx.access.allowsEveryQueue(caller, 'admin');
  }

  /**
   * The queues the caller holds `admin` on whose name contains `page.contains`, sorted by
   * name, `page.limit` from `page.offset` (the console's numbered, searchable pages): only
   * the page's counts are read, so a page costs about the same with 10 or 10,000 queues.
   * `total` counts the matching queues, `page.also` included.
   */
  async searchQueues(
    caller: object,
    page: QueueListPage,
  ): Promise<{ queues: QueueSummary[]; total: number }> {
    const needle = page.contains?.toLowerCase() ?? '';
    const visible = (queue: string): boolean =>
      (needle === '' || queue.toLowerCase().includes(needle)) &&
      this.#ctx.access.allows(caller, 'admin', queue);
    let known = await this.#ctx.store.listQueues({ visible });
    const listed = new Set(known.map((q) => q.queue));
    const extra: QueueInfo[] = [];
    for (const queue of page.also ?? [])
      if (!listed.has(queue) && visible(queue)) extra.push({ queue, paused: false });
    if (extra.length > 0)
      known = [...known, ...extra].sort((a, b) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0));
    return {
      queues: await this.#summaries(known.slice(page.offset, page.offset + page.limit)),
      total: known.length,
    };
  }

  async #summaries(queues: readonly QueueInfo[]): Promise<QueueSummary[]> {
    const stats = await Promise.all(queues.map((q) => this.#ctx.store.stats(q.queue)));
    return queues.map((q, i) => ({ queue: q.queue, stats: stats[i]!, paused: q.paused }));
  }

  /** One page of a queue's tasks in `stateText` from `cursor`; scope `admin`. */
  async listTasks(
    caller: object,
    queueText: string | undefined,
    stateText: string | undefined,
    cursor: string | null,
    pageSize: number | undefined,
  ): Promise<TaskPage> {
    const queue = validateQueue(queueText);
    const state = stateText ?? 'TASK_STATE_UNSPECIFIED';
    if (!(LISTABLE_STATES as readonly string[]).includes(state))
      throw new InvalidArgumentError('state', `must be one of ${LISTABLE_STATES.join(', ')}, got ${state}`);
    const size = pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE)
      throw new InvalidArgumentError('page_size', `must be at most ${MAX_PAGE_SIZE}, got ${size}`);
    this.#ctx.access.authorize(caller, 'admin', [queue]);
    return this.#ctx.store.listTasks(
      queue,
      state as ListableState,
      cursor || null,
      size === 0 ? DEFAULT_PAGE_SIZE : size,
    );
  }

  /** Makes the named DEAD tasks (every one when `ids` is empty) PENDING again; scope `admin`. */
  async redrive(caller: object, queueText: string | undefined, ids: readonly string[]): Promise<number> {
    const queue = validateQueue(queueText);
    if (ids.length > MAX_REDRIVE_IDS)
      throw new InvalidArgumentError('task_ids', `at most ${MAX_REDRIVE_IDS} per call, got ${ids.length}`);
    ids.forEach((id, i) => validateTaskId(id, `task_ids[${i}]`));
    this.#ctx.access.authorize(caller, 'admin', [queue]);
    const note = `redriven from DEAD at ${new Date().toISOString()}`;
    const redriven = await this.#ctx.store.redrive(queue, ids.length === 0 ? null : ids, note);
    this.#ctx.logger.info('dead tasks redriven', { queue, redriven });
    return redriven;
  }

  /** Deletes every PENDING, SCHEDULED, LEASED and DEAD task of the queue; scope `admin`. */
  async purge(caller: object, queueText: string | undefined): Promise<number> {
    const queue = validateQueue(queueText);
    this.#ctx.access.authorize(caller, 'admin', [queue]);
    const purged = await this.#ctx.store.purge(queue);
    this.#ctx.logger.info('queue purged', { queue, purged });
    return purged;
  }

  /**
   * Pauses (or resumes) the queue on every replica; scope `admin`. Returns whether it was
   * paused before: a pause that answers true, or a resume that answers false, changed nothing.
   */
  async setPaused(caller: object, queueText: string | undefined, paused: boolean): Promise<boolean> {
    const queue = validateQueue(queueText);
    this.#ctx.access.authorize(caller, 'admin', [queue]);
    const wasPaused = await this.#ctx.store.setPaused(queue, paused);
    this.#ctx.logger.info(paused ? 'queue paused' : 'queue resumed', { queue, wasPaused });
    return wasPaused;
  }

  /** Sets the queue's fair-share limits, in force on every replica from its next claim; scope `admin`. */
  async setConfig(
    caller: object,
    queueText: string | undefined,
    configIn: Parameters<typeof validateQueueConfig>[0],
  ): Promise<QueueConfig & { queue: string }> {
    const queue = validateQueue(queueText);
    const config = validateQueueConfig(configIn);
    this.#ctx.access.authorize(caller, 'admin', [queue]);
    await this.#ctx.store.setConfig(queue, config);
    this.#ctx.logger.info('queue configured', { queue, ...config });
    return { queue, ...config };
  }

  /** The queue's fair-share limits (0: none); scope `read`. */
  async getConfig(caller: object, queueText: string | undefined): Promise<QueueConfig & { queue: string }> {
    const queue = validateQueue(queueText);
    this.#ctx.access.authorize(caller, 'read', [queue]);
    return { queue, ...(await this.#ctx.store.getConfig(queue)) };
  }

  /** One page of the queue's fairness keys, busiest first, from `cursor`; scope `read`. */
  async listKeys(
    caller: object,
    queueText: string | undefined,
    cursor: string | null,
    pageSize: number | undefined,
  ): Promise<KeyPage> {
    const queue = validateQueue(queueText);
    const size = pageSize ?? 0;
    if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE)
      throw new InvalidArgumentError('page_size', `must be at most ${MAX_PAGE_SIZE}, got ${size}`);
    if (cursor !== null && !/^\d{1,9}$/.test(cursor))
      throw new InvalidArgumentError('page_token', 'must be a next_page_token a previous page returned');
    this.#ctx.access.authorize(caller, 'read', [queue]);
    return this.#ctx.store.listKeys(queue, cursor, size === 0 ? DEFAULT_PAGE_SIZE : size);
  }

  /** Whether the caller may read `queue`'s tasks (scope `read`): for listings that show only what it may see. */
  canRead(caller: object, queue: string): boolean {
    return this.#ctx.access.allows(caller, 'read', queue);
  }

  /** The task as it stands; scope `read`; TaskNotFoundError when unknown. */
  async getTask(
    caller: object,
    queueText: string | undefined,
    idText: string | undefined,
  ): Promise<TaskRecord> {
    const queue = validateQueue(queueText);
    const taskId = validateTaskId(idText);
    this.#ctx.access.authorize(caller, 'read', [queue]);
    const task = await this.#ctx.store.getTask(queue, taskId);
    if (!task) throw new TaskNotFoundError(queue, taskId);
    return task;
  }

  /** Cancels the task (store semantics: `LeaseStore.cancel`); scope `enqueue`; TaskNotFoundError when unknown. */
  async cancel(caller: object, queueText: string | undefined, idText: string | undefined): Promise<boolean> {
    const queue = validateQueue(queueText);
    const taskId = validateTaskId(idText);
    // Whoever may add tasks to a queue may withdraw them; `admin` implies it.
    this.#ctx.access.authorize(caller, 'enqueue', [queue]);
    const cancelled = await this.#ctx.store.cancel(queue, taskId);
    if (cancelled === null) throw new TaskNotFoundError(queue, taskId);
    return cancelled;
  }
}
