import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY,
  type RetryPolicy,
  type TaskRecord,
  type TaskState,
} from '../../domain/task.js';
import { STATE_BY_CODE } from './script-codes.js';

/**
 * Encodes tasks for the scripts and decodes task hashes (field names in
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
  const chunks = new Map<string, Buffer[]>();
  for (let i = from; i + 1 < reply.length; i += 2) {
    const name = asBuffer(reply[i]).toString('latin1');
    const value = asBuffer(reply[i + 1]);
    let end = name.length;
    while (end > 0 && name.charCodeAt(end - 1) >= 48 && name.charCodeAt(end - 1) <= 57) end--;
    const base = name.slice(0, end);
    const index = end === name.length ? 0 : Number(name.slice(end));
    let list = chunks.get(base);
    if (!list) chunks.set(base, (list = []));
    list[index] = value;
  }
  const fields = new Map<string, Buffer>();
  for (const [name, list] of chunks) {
    fields.set(name, list.length === 1 ? list[0]! : Buffer.concat(list.filter((b) => b !== undefined)));
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
  };
}
