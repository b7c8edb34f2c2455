import { createHash, randomBytes } from 'node:crypto';
import type { LeaseRef } from './task.js';
import { InvalidArgumentError } from './errors.js';

/**
 * Lease ids are opaque to workers: the base64url encoding of `queue/taskId/token/nonce`.
 * The queue names the Redis hash slot, the task and the fencing token name the lease, and
 * the nonce, at least 96 random bits stored with the lease, proves that whoever presents
 * the id got it from codeQ: queue, task id and token can be read off a task or guessed,
 * the nonce cannot. Neither queue names, task ids nor nonces contain '/', so the split is
 * unambiguous; base64url keeps the id URL-safe whatever the queue name holds.
 */
export function formatLeaseId(ref: LeaseRef): string {
  return Buffer.from(`${ref.queue}/${ref.taskId}/${ref.token}/${ref.nonce}`, 'latin1').toString('base64url');
}

const ENCODED = /^[A-Za-z0-9_-]{1,400}$/;
const LEASE_ID =
  /^([A-Za-z0-9][A-Za-z0-9._:-]{0,127})\/([A-Za-z0-9_-]{1,64})\/([1-9][0-9]{0,14})\/([A-Za-z0-9_-]{16,64})$/;

/** Parses a lease id; throws InvalidArgumentError naming `field` when it is malformed. */
export function parseLeaseId(leaseId: string, field = 'lease_id'): LeaseRef {
  const m = ENCODED.test(leaseId)
    ? LEASE_ID.exec(Buffer.from(leaseId, 'base64url').toString('latin1'))
    : null;
  if (!m)
    throw new InvalidArgumentError(field, `malformed lease id ${JSON.stringify(leaseId.slice(0, 200))}`);
  return { queue: m[1]!, taskId: m[2]!, token: Number(m[3]), nonce: m[4]! };
}

/** Bytes of one nonce: 96 random bits, 16 base64url characters. */
const NONCE_BYTES = 12;

let pool = Buffer.alloc(0);
let offset = 0;

/**
 * `bytes` fresh random bytes from the operating system's CSPRNG, drawn from a pooled
 * buffer so that a claim batch costs one `randomBytes` call per 256 nonces, not one each.
 * Every draw is new randomness: seeing other draws (other lease ids) tells nothing of it.
 */
function pooledRandom(bytes: number): Buffer {
  if (offset + bytes > pool.length) {
    pool = randomBytes(NONCE_BYTES * 256);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + bytes);
  offset += bytes;
  return out;
}

/** A new lease nonce: 96 random bits as 16 base64url characters (the memory store's leases). */
export function newLeaseNonce(): string {
  return pooledRandom(NONCE_BYTES).toString('base64url');
}

/**
 * A secret for one claim call of the Redis store: 128 random bits from which the claim
 * script derives each lease's nonce as a keyed hash of the lease (scripts/snippets/
 * claim-tasks.lua). The secret never leaves the server and Redis, so a worker that saw
 * other lease ids of the same batch cannot compute another one's nonce.
 */
export function newClaimSecret(): string {
  return pooledRandom(16).toString('base64url');
}

/**
 * What spans and logs name a lease by: `<task id>/<fencing token>`, the lease id without
 * its nonce. It tells which delivery of which task a line is about, and cannot settle,
 * extend or release the lease: only the whole id, nonce included, does that. An id that
 * does not parse (a test double's, or a hostile peer's) is named by the first 48 bits of
 * its SHA-256, `sha256:<12 hex>`, never echoed.
 */
export function leaseReference(leaseId: string): string {
  try {
    const ref = parseLeaseId(leaseId);
    return `${ref.taskId}/${ref.token}`;
  } catch {
    return `sha256:${createHash('sha256').update(leaseId).digest('hex').slice(0, 12)}`;
  }
}
