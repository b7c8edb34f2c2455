import { LIST_PAGE_BYTES, MAX_HISTORY_ENTRIES, type TaskRecord } from '../../domain/task.js';
import { isFinal } from '../finish-waiters.js';
import { pageKeys } from '../key-page.js';
import type {
  KeyPage,
  ListableState,
  ListedTask,
  ListQueuesOptions,
  QueueConfig,
  QueueInfo,
  QueueStats,
  TaskPage,
} from '../lease-store.js';
import { makeCursor, parseCursor, type ListPlace, type PlaceShape } from '../list-cursor.js';
import { listedBytes, listPreview } from '../list-preview.js';
import { toRecord, type QueueState, type StoredTask } from './queue-state.js';
import type { QueueLimits } from './queue-limits.js';
import type { Signals } from './signals.js';

/**
 * Each state's sort key in `listTasks` order, as the Redis store's indexes keep it
 * (PENDING: priority, highest first, then ready order; SCHEDULED: due time, then the
 * order they were scheduled; LEASED: deadline; DEAD: when they died), compared part by
 * part. A cursor names the key of the last task a page listed.
 */
const LIST_KEY: Record<ListableState, { shape: PlaceShape; key: (t: StoredTask) => ListPlace }> = {
  PENDING: { shape: ['number', 'number'], key: (t) => [-t.priority, t.seq] },
  SCHEDULED: { shape: ['number', 'number'], key: (t) => [t.due, t.scheduleId] },
  LEASED: { shape: ['number', 'string'], key: (t) => [t.deadline, t.id] },
  DEAD: { shape: ['number', 'string'], key: (t) => [t.finishedAt, t.id] },
};

/** Orders two places of one state's shape (each part pair is of one type: numbers or ids). */
function comparePlaces(a: ListPlace, b: ListPlace): number {
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i] as number, b[i] as number];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The order `listTasks` gives `state`'s tasks. */
function listOrder(state: ListableState): (a: StoredTask, b: StoredTask) => number {
  const { key } = LIST_KEY[state];
  return (a, b) => comparePlaces(key(a), key(b));
}

/** A listed task with the time its state's index orders it by, as the Redis store's listing reads it. */
function withIndexTime(record: TaskRecord, task: StoredTask): ListedTask {
  if (task.state === 'SCHEDULED') return { ...record, dueTime: task.due };
  if (task.state === 'LEASED') return { ...record, leaseDeadline: task.deadline };
  return record;
}

/** The memory store's state the admin operations read and change, shared with its claim path. */
export interface MemoryState {
  readonly queues: Map<string, QueueState>;
  readonly paused: Set<string>;
  readonly limits: QueueLimits;
}

/**
 * The memory store's operator side: counts, listings, redrive, purge, pause and the
 * fair-share config and keys. MemoryStore runs each inside its one-operation-at-a-time
 * frame (`now` read once, `signals` delivered after), as it runs its claim path.
 */
export class MemoryAdminOps {
  readonly #state: MemoryState;

  constructor(state: MemoryState) {
    this.#state = state;
  }

  /** Walks the queue's tasks: O(tasks), which is fine for the embedded store's sizes and a scrape every few seconds. */
  stats(queue: string, now: number): QueueStats {
    const q = this.#state.queues.get(queue);
    const stats: QueueStats = {
      ready: 0,
      scheduled: 0,
      leased: 0,
      dead: 0,
      oldestReadySince: null,
      readyKeys: q?.fair.readyKeys ?? 0,
    };
    if (q?.hasReady() && this.#state.limits.budget(queue, now)?.allowed(now, 1) === 0)
      stats.rateLimited = true;
    for (const task of q?.tasks.values() ?? []) {
      switch (task.state) {
        case 'PENDING':
          stats.ready++;
          if (stats.oldestReadySince === null || task.readySince < stats.oldestReadySince)
            stats.oldestReadySince = task.readySince;
          break;
        case 'SCHEDULED':
          stats.scheduled++;
          break;
        case 'LEASED':
          stats.leased++;
          break;
        case 'DEAD':
          stats.dead++;
          break;
        default:
          break;
      }
    }
    return stats;
  }

  /** Queues with a task in a listable state, or paused: nothing to prune, none kept for nothing. */
  listQueues(options: ListQueuesOptions = {}): QueueInfo[] {
    const { queues, paused } = this.#state;
    const after = options.after;
    const shown = options.visible ?? (() => true);
    const visible = (queue: string): boolean => (after === undefined || queue > after) && shown(queue);
    const names = new Set([...paused].filter(visible));
    for (const [name, q] of queues) {
      if (names.has(name) || !visible(name)) continue;
      for (const task of q.tasks.values()) {
        if (!isFinal(task.state) || task.state === 'DEAD') {
          names.add(name);
          break;
        }
      }
    }
    return [...names]
      .sort()
      .slice(0, options.limit ?? Infinity)
      .map((queue) => ({ queue, paused: paused.has(queue) }));
  }

  /**
   * The state's tasks that sort strictly after the place `cursor` names (keyset paging:
   * tasks that left the state before it shift nothing), up to `limit` and the byte budget.
   */
  listTasks(queue: string, state: ListableState, cursor: string | null, limit: number): TaskPage {
    const { shape, key } = LIST_KEY[state];
    const after = parseCursor(cursor, shape);
    const tasks = [...(this.#state.queues.get(queue)?.tasks.values() ?? [])].filter(
      (t) => t.state === state && (after === null || comparePlaces(key(t), after) > 0),
    );
    tasks.sort(listOrder(state));
    const page: ListedTask[] = [];
    let bytes = 0;
    // A page holds at least one task (the Redis store's too), so it always moves on.
    for (const task of tasks.slice(0, Math.max(1, limit))) {
      // Full sizes count, as the Redis store reads them: the page ends before the budget.
      const record = toRecord(task);
      const size = listedBytes(record);
      if (page.length > 0 && bytes + size > LIST_PAGE_BYTES) break;
      bytes += size;
      page.push(listPreview(withIndexTime(record, task)));
    }
    const last = tasks[page.length - 1];
    return { tasks: page, nextCursor: page.length < tasks.length ? makeCursor(key(last!)) : null };
  }

  redrive(
    queue: string,
    taskIds: readonly string[] | null,
    note: string,
    now: number,
    signals: Signals,
  ): number {
    const q = this.#state.queues.get(queue);
    if (q === undefined) return 0;
    const dead =
      taskIds === null
        ? [...q.tasks.values()].filter((t) => t.state === 'DEAD').sort(listOrder('DEAD'))
        : // A task named twice is redriven once: made ready twice, it would be two ready entries.
          [...new Set(taskIds)].map((id) => q.tasks.get(id)).filter((t) => t?.state === 'DEAD');
    for (const task of dead as StoredTask[]) {
      task.history.push(`${note} after ${task.attempt} attempt${task.attempt === 1 ? '' : 's'}`);
      if (task.history.length > MAX_HISTORY_ENTRIES)
        task.history.splice(0, task.history.length - MAX_HISTORY_ENTRIES);
      task.attempt = 0;
      task.finishedAt = 0;
      q.makeReady(task, now);
    }
    if (dead.length > 0) signals.ready(queue);
    return dead.length;
  }

  purge(queue: string): number {
    const q = this.#state.queues.get(queue);
    if (q === undefined) return 0;
    let purged = 0;
    for (const task of [...q.tasks.values()]) {
      if (isFinal(task.state) && task.state !== 'DEAD') continue;
      q.remove(task);
      purged++;
    }
    if (q.isEmpty) this.#state.queues.delete(queue);
    return purged;
  }

  setPaused(queue: string, paused: boolean, signals: Signals): boolean {
    const was = this.#state.paused.has(queue);
    // A resumed queue with no task left leaves listQueues at once (listQueues looks at
    // the tasks): resuming undoes a pause of a queue never used.
    if (paused) {
      this.#state.paused.add(queue);
    } else if (this.#state.paused.delete(queue) && this.#state.queues.get(queue)?.hasReady()) {
      signals.ready(queue);
    }
    return was;
  }

  isPaused(queue: string): boolean {
    return this.#state.paused.has(queue);
  }

  setConfig(queue: string, config: QueueConfig, signals: Signals): void {
    this.#state.limits.set(queue, config);
    if (this.#state.queues.get(queue)?.fair.applyLimit()) signals.ready(queue);
  }

  getConfig(queue: string): QueueConfig {
    return this.#state.limits.get(queue);
  }

  listKeys(queue: string, cursor: string | null, limit: number): KeyPage {
    return pageKeys(this.#state.queues.get(queue)?.fair.keys() ?? [], cursor, limit);
  }
}
