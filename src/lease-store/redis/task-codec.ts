import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY,
  type Lease,
  type NewTask,
  type RetryPolicy,
  type SettleOp,
  type TaskRecord,
  type TaskState,
} from '../../domain/task.js';
import { newTaskId } from '../../domain/task-id.js';
import type { ScriptArg } from './commands.js';
import { STATE_BY_CODE } from './script-codes.js';

/**
 * Encodes tasks and settle ops for the scripts and decodes task hashes (field names in
 * scripts/snippets/layout.lua). Optional fields are stored only when they differ from
 * the domain defaults (DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY), which the scripts share.
 */

/** Field `m` for a task: '' when it is the default. */
export function encodeMaxAttempts(maxAttempts: number): string {
  return maxAttempts === DEFAULT_MAX_ATTEMPTS ? '' : String(maxAttempts);
}

/** Field `b` for a retry policy: '' when it is the default. */
export function encodeRetry(retry: RetryPolicy): string {
  if (
    retry.initialBackoffMs === DEFAULT_RETRY.initialBackoffMs &&
    retry.maxBackoffMs === DEFAULT_RETRY.maxBackoffMs &&
    retry.multiplier === DEFAULT_RETRY.multiplier
  )
    return '';
  return `${retry.initialBackoffMs},${retry.maxBackoffMs},${retry.multiplier}`;
}

/**
 * Headers as length-prefixed UTF-8 (`<bytes>:<key><bytes>:<value>` per pair): compact,
 * unambiguous for any string, and cheaper than JSON on the enqueue path. '' for none.
 */
export function encodeHeaders(headers: Record<string, string>): string {
  let out = '';
  for (const key in headers) {
    const value = headers[key]!;
    out += `${Buffer.byteLength(key)}:${key}${Buffer.byteLength(value)}:${value}`;
  }
  return out;
}

/** Inverse of encodeHeaders; throws on malformed input. */
export function decodeHeaders(data: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  let pos = 0;
  const next = (): string => {
    const colon = data.indexOf(0x3a, pos);
    if (colon < 0) throw new Error('malformed headers in task hash');
    const length = Number(data.toString('latin1', pos, colon));
    const end = colon + 1 + length;
    if (!Number.isInteger(length) || end > data.length) throw new Error('malformed headers in task hash');
    pos = end;
    return data.toString('utf8', colon + 1, end);
  };
  while (pos < data.length) {
    const key = next();
    headers[key] = next();
  }
  return headers;
}

const EMPTY = Buffer.alloc(0);

/**
 * Collects a task hash reply (`[field, value, ...]` as Buffers) into its fields, joining
 * the chunks of long values (`p`, `p1`, `p2`… — scripts/snippets/chunks.lua).
 */
export function collectFields(reply: readonly unknown[], from = 0): Map<string, Buffer> {
  // Most fields are whole: they go straight into the map; only a chunked value (a long
  // payload or result) is gathered in a list of its parts, joined at the end.
  const fields = new Map<string, Buffer>();
  let chunks: Map<string, Buffer[]> | undefined;
  for (let i = from; i + 1 < reply.length; i += 2) {
    const name = asBuffer(reply[i]).toString('latin1');
    const value = asBuffer(reply[i + 1]);
    let end = name.length;
    while (end > 0 && name.charCodeAt(end - 1) >= 48 && name.charCodeAt(end - 1) <= 57) end--;
    if (end === name.length) {
      const list = chunks?.get(name);
      if (list) list[0] = value;
      else fields.set(name, value);
      continue;
    }
    const base = name.slice(0, end);
    chunks ??= new Map();
    let list = chunks.get(base);
    if (!list) {
      list = [];
      const whole = fields.get(base);
      if (whole !== undefined) list[0] = whole;
      chunks.set(base, list);
    }
    list[Number(name.slice(end))] = value;
  }
  if (chunks) {
    for (const [name, list] of chunks) {
      fields.set(name, list.length === 1 ? list[0]! : Buffer.concat(list.filter((b) => b !== undefined)));
    }
  }
  return fields;
}

function asBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value);
  if (typeof value === 'number') return Buffer.from(String(value));
  throw new Error(`unexpected reply element ${typeof value} in task hash`);
}

function num(fields: Map<string, Buffer>, name: string, fallback: number): number {
  const v = fields.get(name);
  return v === undefined ? fallback : Number(v.toString('latin1'));
}

/** The TaskRecord of a task hash. */
export function decodeTask(queue: string, id: string, fields: Map<string, Buffer>): TaskRecord {
  const stateCode = fields.get('s')?.toString('latin1') ?? '';
  const state: TaskState | undefined = STATE_BY_CODE[stateCode as keyof typeof STATE_BY_CODE];
  if (!state) throw new Error(`task ${id} of queue ${queue} has unknown state ${JSON.stringify(stateCode)}`);
  const headers = fields.get('h');
  const history = fields.get('v');
  const fairnessKey = fields.get('z');
  return {
    id,
    queue,
    payload: fields.get('p') ?? EMPTY,
    priority: num(fields, 'y', 0),
    attempt: num(fields, 'a', 0),
    maxAttempts: num(fields, 'm', DEFAULT_MAX_ATTEMPTS),
    headers: headers ? decodeHeaders(headers) : {},
    enqueueTime: num(fields, 'e', 0),
    state,
    lastError: fields.get('l')?.toString('utf8') ?? '',
    result: fields.get('r') ?? EMPTY,
    ...(history !== undefined && { history: history.toString('utf8').split('\n') }),
    // A listing's preview of a long value (list-1.lua): the field `~p` / `~r` holds its full length.
    ...(fields.has('~p') && { payloadTruncated: true }),
    ...(fields.has('~r') && { resultTruncated: true }),
    ...(fairnessKey !== undefined &&
      fairnessKey.length > 0 && { fairnessKey: fairnessKey.toString('latin1') }),
  };
}

/**
 * The task count and 9 values per task, each with a fresh id, as enqueue-3.lua reads them
 * after its arguments; appended to `tail` (what the script reads before them, if anything).
 */
export function encodeNewTasks(tasks: readonly NewTask[], tail: ScriptArg[] = []): ScriptArg[] {
  tail.push(tasks.length);
  for (const t of tasks) {
    tail.push(
      newTaskId(),
      t.payload,
      t.priority,
      t.delayMs,
      encodeMaxAttempts(t.maxAttempts),
      encodeRetry(t.retry),
      t.idempotencyKey,
      encodeHeaders(t.headers),
      t.fairnessKey ?? '',
    );
  }
  return tail;
}

/**
 * The ops as settle-5.lua reads them; an extend carries the store's max lease age.
 * Appended to `opArgs` (what the script reads before them, if anything).
 */
export function encodeSettleOps(
  ops: readonly SettleOp[],
  maxLeaseAgeMs: number,
  opArgs: ScriptArg[] = [],
): ScriptArg[] {
  for (const op of ops) {
    switch (op.kind) {
      case 'complete':
        opArgs.push('c', op.taskId, op.token, op.nonce ?? '', op.result);
        break;
      case 'fail':
        opArgs.push(
          'f',
          op.taskId,
          op.token,
          op.nonce ?? '',
          op.error,
          op.permanent ? '1' : '0',
          op.retryDelayMs ?? '',
        );
        break;
      case 'extend':
        opArgs.push('e', op.taskId, op.token, op.nonce ?? '', op.extensionMs, maxLeaseAgeMs);
        break;
      case 'release':
        opArgs.push('r', op.taskId, op.token, op.nonce ?? '');
        break;
    }
  }
  return opArgs;
}

/**
 * The leases of a claim reply from `from` on, each the positional array of
 * claim-tasks.lua's `leaseReply`: { taskId, payload, priority, attempt, maxAttempts,
 * headers, enqueueTime, lastError, result, history, fairnessKey, token, nonce }, long
 * values already joined, '' where the task has no such field; or, for a task with none
 * of the optional fields, { taskId, payload, attempt, enqueueTime, token, nonce }.
 */
export function decodeLeases(
  queue: string,
  reply: readonly unknown[],
  from: number,
  deadline: number,
): Lease[] {
  const leases: Lease[] = [];
  for (let i = from; i < reply.length; i++) {
    const e = reply[i] as readonly unknown[];
    const long = e.length !== SHORT_LEASE;
    const at = long ? LONG_AT : SHORT_AT;
    const task: TaskRecord = {
      id: text(e[0]),
      queue,
      payload: owned(asBuffer(e[1])),
      priority: 0,
      attempt: integer(e[at.attempt], 0),
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      headers: {},
      enqueueTime: integer(e[at.enqueueTime], 0),
      state: LEASED,
      lastError: '',
      result: long ? owned(asBuffer(e[8])) : Buffer.alloc(0),
    };
    if (long) readOptionalFields(task, e);
    leases.push({ task, token: integer(e[at.token], 0), nonce: text(e[at.nonce]), deadline });
  }
  return leases;
}

/** The optional fields of a lease in leaseReply's long form, over the defaults `task` holds. */
function readOptionalFields(task: TaskRecord, e: readonly unknown[]): void {
  const headers = asBuffer(e[5]);
  const history = asBuffer(e[9]);
  const fairnessKey = asBuffer(e[10]);
  task.priority = integer(e[2], 0);
  task.maxAttempts = integer(e[4], DEFAULT_MAX_ATTEMPTS);
  if (headers.length > 0) task.headers = decodeHeaders(headers);
  task.lastError = asBuffer(e[7]).toString('utf8');
  if (history.length > 0) task.history = history.toString('utf8').split('\n');
  if (fairnessKey.length > 0) task.fairnessKey = fairnessKey.toString('latin1');
}

const LEASED = STATE_BY_CODE.L;
/** Elements of leaseReply's short form (a task without optional fields). */
const SHORT_LEASE = 6;
/** Where the fields both forms carry sit in each. */
const LONG_AT = { attempt: 3, enqueueTime: 6, token: 11, nonce: 12 } as const;
const SHORT_AT = { attempt: 2, enqueueTime: 3, token: 4, nonce: 5 } as const;

/**
 * `value`, or a copy of it when it is a small part of a larger buffer: the Redis client
 * hands out bulk strings as slices of the socket's read buffer (64 KB), and a lease held
 * in the read-ahead buffer would keep all of it alive, into the old generation.
 */
function owned(value: Buffer): Buffer {
  return value.length * 2 < value.buffer.byteLength ? Buffer.from(value) : value;
}

/** A reply element as text (ids and nonces are ASCII). */
function text(value: unknown): string {
  return typeof value === 'string' ? value : asBuffer(value).toString('latin1');
}

/** A numeric reply element (an integer reply, or a number stored as text); `fallback` for ''. */
function integer(value: unknown, fallback: number): number {
  if (typeof value === 'number') return value;
  const digits = text(value);
  return digits === '' ? fallback : Number(digits);
}
