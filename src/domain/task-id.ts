import { randomBytes } from 'node:crypto';

/** Task ids are 16 characters of base64url: 96 random bits, unique without coordination. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

let pool = Buffer.alloc(0);
let offset = 0;

/** A new random task id. Draws from a pooled buffer so a batch costs one `randomBytes` call. */
export function newTaskId(): string {
  if (offset + 12 > pool.length) {
    pool = randomBytes(12 * 256);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + 12);
  offset += 12;
  return id;
}
