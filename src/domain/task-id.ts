import { randomBytes } from 'node:crypto';

/**
 * Task ids are 16 characters of base64url: 96 random bits, unique without coordination.
 * Ids that clients send are checked against this pattern, which still admits a leading
 * `-` or `_` (ids made before codeQ stopped generating them).
 */
export const TASK_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

let pool = Buffer.alloc(0);
let offset = 0;

/**
 * The task id that 12 random bytes at `offset` of `bytes` encode. The first character
 * never is `-` or `_`: an id starting with `-` reads as an option on a command line
 * (`codeq get QUEUE -x...`). The six bits of that character are 62 or 63 then, and
 * clearing their top bit maps them onto 30 and 31 (`e`, `f`): 95.9 random bits instead of
 * 96, still unique without coordination.
 */
export function taskIdFromBytes(bytes: Buffer, at = 0): string {
  const first = bytes[at]!;
  if (first >= 0xf8) {
    const copy = Buffer.from(bytes.subarray(at, at + 12));
    copy[0] = first & 0x7f;
    return copy.toString('base64url');
  }
  return bytes.toString('base64url', at, at + 12);
}

/** A new random task id. Draws from a pooled buffer so a batch costs one `randomBytes` call. */
export function newTaskId(): string {
  if (offset + 12 > pool.length) {
    pool = randomBytes(12 * 256);
    offset = 0;
  }
  const id = taskIdFromBytes(pool, offset);
  offset += 12;
  return id;
}
