/** The task model shared by the lease stores, the dispatcher and the server. */

/** Lifecycle of a task. PENDING ⇄ LEASED → COMPLETED | DEAD | CANCELLED; SCHEDULED → PENDING. */
export type TaskState = 'PENDING' | 'SCHEDULED' | 'LEASED' | 'COMPLETED' | 'DEAD' | 'CANCELLED';

/** Backoff between attempts: the n-th retry waits a uniform random time in [0, min(max, initial × multiplier^(n-1))]. */
export interface RetryPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
}

/** Deliveries before a task becomes DEAD when the producer does not say. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * A failure's error text is kept up to this many characters: the server cuts longer ones
 * (a failure report is never refused for its length) and the clients cut before sending.
 */
export const MAX_ERROR_CHARS = 4096;

/**
 * The backoff of a task whose producer gave none: 1 s, doubling, at most 5 min. The Redis
 * scripts store it by omission; their `DEFAULT_RETRY` is generated from this one
 * (script-loader.ts, `snippets/shared-defaults.lua`).
 */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = {
  initialBackoffMs: 1000,
  maxBackoffMs: 300_000,
  multiplier: 2,
};

/**
 * A task's history keeps this many notes, the newest: a task redriven from DEAD over and
 * over (by a script, or an attacker with `admin`) must not grow without bound.
 */
export const MAX_HISTORY_ENTRIES = 20;

/**
 * Bytes of payload and of result a listing (ListTasks) shows of each task: a preview,
 * flagged when cut. GetTask returns the whole task.
 */
export const LIST_PREVIEW_BYTES = 1024;

/**
 * Bytes of task data (full payload and result, headers, error, history) one listing page
 * reads at most, whatever its page size; a page always holds at least one task. Keeps a
 * ListTasks reply, and the store's work for it, far under gRPC's 4 MiB default receive limit.
 */
export const LIST_PAGE_BYTES = 2 * 1024 * 1024;

/** What one request may carry besides its payload (or result): its other fields and framing. */
export const REQUEST_ROOM_BYTES = 1024 * 1024;

/**
 * The largest request a server with `--max-payload-bytes` of `maxPayloadBytes` takes in one
 * gRPC message: a payload at the limit with its room, and never under gRPC's default 4 MiB.
 */
export function maxRequestBytes(maxPayloadBytes: number): number {
  return Math.max(4 * 1024 * 1024, maxPayloadBytes + REQUEST_ROOM_BYTES);
}

/** The highest priority a task may have; priorities run from 0 to this, higher claimed first. */
export const MAX_PRIORITY = 9;

/** A validated task to add to a queue. */
export interface NewTask {
  queue: string;
  payload: Buffer;
  /** 0–9, higher is claimed first. */
  priority: number;
  /** Not claimable before now + delayMs. */
  delayMs: number;
  /** Deliveries before the task becomes DEAD. */
  maxAttempts: number;
  retry: RetryPolicy;
  /** Empty for none. */
  idempotencyKey: string;
  headers: Record<string, string>;
  /**
   * The task's fairness key (0–128 of the queue-name characters): within one priority a
   * queue's ready tasks are claimed round-robin across keys, FIFO within a key. Absent or
   * empty: the queue's default key, an ordinary key like any other.
   */
  fairnessKey?: string;
}

/** The answer to adding one task. */
export interface EnqueueResult {
  taskId: string;
  /** True when the idempotency key matched an earlier task, whose id is returned. */
  duplicate: boolean;
}

/** A stored task as readers see it. Times are milliseconds since the epoch. */
export interface TaskRecord {
  id: string;
  queue: string;
  payload: Buffer;
  priority: number;
  /** Counted deliveries so far: 1 on the first delivery; a released lease does not count. */
  attempt: number;
  maxAttempts: number;
  headers: Record<string, string>;
  enqueueTime: number;
  state: TaskState;
  lastError: string;
  result: Buffer;
  /** Notes of what operators did to the task (a redrive from DEAD), oldest first, the last MAX_HISTORY_ENTRIES; absent when none. */
  history?: string[];
  /** True when `payload` is a listing's preview, cut to LIST_PREVIEW_BYTES; absent otherwise. */
  payloadTruncated?: boolean;
  /** True when `result` is a listing's preview, cut to LIST_PREVIEW_BYTES; absent otherwise. */
  resultTruncated?: boolean;
  /** The fairness key the task was enqueued with; absent for the default (empty) key. */
  fairnessKey?: string;
  /** When a SCHEDULED task falls due (ms since the epoch); set by `getTask` and `listTasks`, absent in other states. */
  dueTime?: number;
}

/**
 * One lease of one task. `token` is the fencing token: it grows with every lease of the
 * task. `nonce` is the lease's secret (at least 96 random bits, URL-safe characters): a
 * settle must present it, so only who received the lease id can settle the lease.
 */
export interface Lease {
  task: TaskRecord;
  token: number;
  nonce: string;
  /** When the lease runs out, in milliseconds since the epoch. */
  deadline: number;
}

/** Names one lease of one task: what a lease id carries. */
export interface LeaseRef {
  queue: string;
  taskId: string;
  token: number;
  nonce: string;
}

/**
 * Names the lease a settle op is for. `nonce` is the lease's secret, from the lease id:
 * the store refuses the op when it does not match. Every op made from a worker's lease id
 * carries it; only the server itself, settling leases it has just taken (a lease it could
 * not deliver), may leave it out.
 */
interface OpLease {
  taskId: string;
  token: number;
  nonce?: string | undefined;
}

/** The ways a worker can settle or renew a lease. */
export type SettleOp =
  | (OpLease & { kind: 'complete'; result: Buffer })
  | (OpLease & {
      kind: 'fail';
      error: string;
      /** Delay before the retry; undefined uses the task's backoff. */
      retryDelayMs: number | undefined;
      permanent: boolean;
    })
  | (OpLease & { kind: 'extend'; extensionMs: number })
  | (OpLease & { kind: 'release' });

/** What a settle op does: complete, fail, extend or release. */
export type SettleKind = SettleOp['kind'];

/**
 * The answer to one settle op. `ok` also answers a true repeat of the settle that already
 * succeeded with the same lease: same kind, same result or error (nothing changes).
 * `stale`: the lease expired, the task was re-leased or settled otherwise, the lease's
 * nonce does not match, or (extend) the lease reached its maximum age. `not_found`: no such task.
 */
export type SettleResult =
  | {
      status: 'ok';
      /** For extend: the new deadline. */
      deadline?: number;
      /** For fail: true when this fail made the task DEAD (permanent, or its last attempt). */
      dead?: true;
    }
  | {
      status: 'stale' | 'not_found';
      message: string;
      /** For an extend refused at the max lease age: the deadline the lease keeps. */
      deadline?: number;
    };
