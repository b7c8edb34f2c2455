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
import { parseCursor } from '../list-cursor.js';
import { listedBytes, listPreview } from '../list-preview.js';
import { toRecord, type QueueState, type StoredTask } from './queue-state.js';
import type { QueueLimits } from './queue-limits.js';
import type { Signals } from './signals.js';

/** The order `listTasks` gives each state, as the Redis store's indexes keep it. */
const LIST_ORDER: Record<ListableState, (a: StoredTask, b: StoredTask) => number> = {
  PENDING: (a, b) => b.priority - a.priority || a.seq - b.seq,
  SCHEDULED: (a, b) => a.due - b.due || a.scheduleId - b.scheduleId,
  LEASED: (a, b) => a.deadline - b.deadline || (a.id < b.id ? -1 : 1),
  DEAD: (a, b) => a.finishedAt - b.finishedAt || (a.id < b.id ? -1 : 1),
};

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

  listTasks(queue: string, state: ListableState, cursor: string | null, limit: number): TaskPage {
    const offset = parseCursor(cursor);
    const tasks = [...(this.#state.queues.get(queue)?.tasks.values() ?? [])].filter((t) => t.state === state);
    tasks.sort(LIST_ORDER[state]);
    const page: ListedTask[] = [];
    let bytes = 0;
    for (const task of tasks.slice(offset, offset + limit)) {
      // Full sizes count, as the Redis store reads them: the page ends before the budget.
      const record = toRecord(task);
      const size = listedBytes(record);
      if (page.length > 0 && bytes + size > LIST_PAGE_BYTES) break;
      bytes += size;
      page.push(listPreview(withIndexTime(record, task)));
    }
    const next = offset + page.length;
    return { tasks: page, nextCursor: next < tasks.length ? String(next) : null };
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
        ? [...q.tasks.values()].filter((t) => t.state === 'DEAD').sort(LIST_ORDER.DEAD)
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

  setPaused(queue: string, paused: boolean, signals: Signals): void {
    // A resumed queue with no task left leaves listQueues at once (listQueues looks at
    // the tasks): resuming undoes a pause of a queue never used.
    if (paused) {
      this.#state.paused.add(queue);
    } else if (this.#state.paused.delete(queue) && this.#state.queues.get(queue)?.hasReady()) {
      signals.ready(queue);
    }
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
