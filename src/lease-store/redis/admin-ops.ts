import { LIST_PAGE_BYTES, LIST_PREVIEW_BYTES } from '../../domain/task.js';
import { badCursor, makeCursor, parseCursor } from '../list-cursor.js';
import { listPreview } from '../list-preview.js';
import type {
  KeyPage,
  ListableState,
  ListQueuesOptions,
  QueueConfig,
  QueueInfo,
  QueueStats,
  TaskPage,
} from '../lease-store.js';
import type { ResolvedStoreOptions } from '../store-options.js';
import type { Scripts } from './commands.js';
import type { RedisClient } from './connection.js';
import { FairShares } from './fair-shares.js';
import type { KeySpace } from './keys.js';
import type { QueueRegistry } from './queue-registry.js';
import { collectFields, decodeTask } from './task-codec.js';

/** Members of each set one purge or redrive call handles; the store calls again until done. */
const ADMIN_BATCH = 500;

/** A finite score as Redis prints one (`%.17g`): what a cursor's score must be. */
const SCORE_TEXT = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/;

/** How list-1.lua finds each listable state: its index, the state code, and whether members carry an ordinal. */
const LIST_INDEX = {
  PENDING: ['ready', 'P', '0'],
  SCHEDULED: ['scheduled', 'S', '1'],
  LEASED: ['leased', 'L', '1'],
  DEAD: ['dead', 'D', '0'],
} as const;

/** What the admin operations share with the store's claim path (redis-store.ts). */
export interface AdminContext {
  readonly client: RedisClient;
  readonly scripts: Scripts;
  readonly keys: KeySpace;
  readonly options: ResolvedStoreOptions;
  readonly instanceId: string;
  /** The registry of queues behind listQueues; the claim path adds to it on enqueue. */
  readonly registry: QueueRegistry;
  /** "now" for the scripts: the clock option's value, or '' to use Redis TIME. */
  nowArg(): string;
  /** Tells the store's listener that `queue` has ready tasks (a listener that throws is only warned of). */
  emitReady(queue: string): void;
}

/**
 * The Redis store's operator side: counts, listings, redrive, purge, pause and the
 * fair-share config and keys (fair-shares.ts). None of it runs on the claim path;
 * RedisStore delegates to it and turns its errors into store errors.
 */
export class RedisAdminOps {
  /** Fair-share config and per-key counts (fair-shares.ts). */
  readonly #fair: FairShares;
  readonly #ctx: AdminContext;

  constructor(ctx: AdminContext) {
    this.#ctx = ctx;
    this.#fair = new FairShares(ctx.client, ctx.scripts, {
      channel: ctx.keys.wakeChannel,
      instanceId: ctx.instanceId,
    });
  }

  async stats(queue: string): Promise<QueueStats> {
    const k = this.#ctx.keys.queue(queue);
    const [reply, readyKeys, rateLimited] = await Promise.all([
      this.#ctx.scripts.stats(k, {
        taskPrefix: k.taskPrefix,
        now: this.#ctx.nowArg(),
        deadRetentionMs: this.#ctx.options.deadRetentionMs,
      }),
      this.#fair.readyKeys(k),
      this.#fair.rateLimited(k, this.#ctx.options.clock?.()),
    ]);
    const [ready, scheduled, leased, dead, oldest] = reply.map(Number);
    return {
      ready: ready!,
      scheduled: scheduled!,
      leased: leased!,
      dead: dead!,
      oldestReadySince: oldest! < 0 ? null : oldest!,
      readyKeys,
      ...(rateLimited && { rateLimited: true as const }),
    };
  }

  /** One SMEMBERS, then one EXISTS per queue returned (none per queue filtered out). */
  listQueues(options?: ListQueuesOptions): Promise<QueueInfo[]> {
    return this.#ctx.registry.list(options);
  }

  /** A whole pass over the registry (queue-registry.ts); the store also prunes a step on a timer. */
  pruneQueues(): Promise<number> {
    return this.#ctx.registry.prune();
  }

  /**
   * One page from the place `cursor` names: a score (as Redis printed it) and a member,
   * the last member the previous page examined. list-1.lua starts strictly after it.
   */
  async listTasks(
    queue: string,
    state: ListableState,
    cursor: string | null,
    limit: number,
  ): Promise<TaskPage> {
    const place = parseCursor(cursor, ['string', 'string']) as readonly [string, string] | null;
    const [afterScore, afterMember] = place ?? ['', ''];
    if (place !== null && !(SCORE_TEXT.test(afterScore) && Number.isFinite(Number(afterScore))))
      throw badCursor();
    const k = this.#ctx.keys.queue(queue);
    const [index, code, ordinal] = LIST_INDEX[state];
    const reply = await this.#ctx.scripts.list(
      { index: k[index] },
      {
        taskPrefix: k.taskPrefix,
        stateCode: code,
        ordinal,
        afterScore,
        // Members travel as latin1 text in the cursor, so their bytes come back unchanged.
        afterMember: Buffer.from(afterMember, 'latin1'),
        limit,
        now: this.#ctx.nowArg(),
        deadRetentionMs: this.#ctx.options.deadRetentionMs,
        previewBytes: LIST_PREVIEW_BYTES,
        pageBytes: LIST_PAGE_BYTES,
      },
    );
    const [more, lastScore, lastMember] = reply as [number, Buffer, Buffer];
    const tasks = reply.slice(3).map((entry) => {
      const fields = collectFields(entry as Buffer[], 1);
      const task = listPreview(decodeTask(queue, (entry as Buffer[])[0]!.toString('latin1'), fields));
      // list-1.lua adds the index score to SCHEDULED tasks (due time) and LEASED ones (deadline).
      const due = fields.get('due');
      if (due === undefined) return task;
      const at = Number(due.toString('latin1'));
      return state === 'LEASED' ? { ...task, leaseDeadline: at } : { ...task, dueTime: at };
    });
    const next =
      more === 1 ? makeCursor([lastScore.toString('latin1'), lastMember.toString('latin1')]) : null;
    return { tasks, nextCursor: next };
  }

  async redrive(queue: string, taskIds: readonly string[] | null, note: string): Promise<number> {
    const k = this.#ctx.keys.queue(queue);
    const args = {
      taskPrefix: k.taskPrefix,
      channel: this.#ctx.keys.wakeChannel,
      instanceId: this.#ctx.instanceId,
      queue,
      now: this.#ctx.nowArg(),
      deadRetentionMs: this.#ctx.options.deadRetentionMs,
      note,
      limit: ADMIN_BATCH,
    };
    let total = 0;
    if (taskIds !== null) {
      if (taskIds.length === 0) return 0;
      for (let i = 0; i < taskIds.length; i += ADMIN_BATCH) {
        const part = taskIds.slice(i, i + ADMIN_BATCH);
        const [redriven] = await this.#ctx.scripts.redrive(k, args, part);
        total += redriven!;
      }
    } else {
      for (;;) {
        const [redriven, examined] = await this.#ctx.scripts.redrive(k, args);
        total += redriven!;
        if (examined! < ADMIN_BATCH) break;
      }
    }
    if (total > 0) this.#ctx.emitReady(queue);
    return total;
  }

  async purge(queue: string): Promise<number> {
    const k = this.#ctx.keys.queue(queue);
    let total = 0;
    for (;;) {
      const [deleted, removed] = await this.#ctx.scripts.purge(k, {
        taskPrefix: k.taskPrefix,
        limit: ADMIN_BATCH,
      });
      total += deleted!;
      if (removed === 0) return total;
    }
  }

  async setPaused(queue: string, paused: boolean): Promise<boolean> {
    const k = this.#ctx.keys.queue(queue);
    if (paused) {
      // The flag first: a prune that looks between the two keeps a paused queue, where one
      // that looked before the flag could take out the name just added. Added whatever this
      // process remembers: another replica may have pruned the queue meanwhile. NX: no
      // reply (null) when the flag was already set.
      const set = await this.#ctx.client.set(k.paused, '1', 'NX');
      await this.#ctx.registry.add(queue);
      return set === null;
    }
    const [wasPaused, woke] = await this.#ctx.scripts.resume(k, {
      channel: this.#ctx.keys.wakeChannel,
      instanceId: this.#ctx.instanceId,
      queue,
    });
    if (woke === 1) this.#ctx.emitReady(queue);
    // A resumed queue with no task left leaves the registry now, not at the next prune
    // pass: resuming undoes a pause of a queue never used.
    await this.#ctx.registry.pruneQueue(queue);
    return wasPaused === 1;
  }

  async isPaused(queue: string): Promise<boolean> {
    return (await this.#ctx.client.exists(this.#ctx.keys.queue(queue).paused)) === 1;
  }

  async setConfig(queue: string, config: QueueConfig): Promise<void> {
    await this.#ctx.registry.register(queue);
    if (await this.#fair.setConfig(queue, this.#ctx.keys.queue(queue), config)) this.#ctx.emitReady(queue);
  }

  getConfig(queue: string): Promise<QueueConfig> {
    return this.#fair.getConfig(this.#ctx.keys.queue(queue));
  }

  listKeys(queue: string, cursor: string | null, limit: number): Promise<KeyPage> {
    return this.#fair.listKeys(this.#ctx.keys.queue(queue), cursor, limit);
  }
}
