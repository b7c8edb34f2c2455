import type { SettleResult } from '../domain/task.js';

/**
 * The deadline an extend gives a lease: `now + extensionMs`, stopped at the max lease age
 * (`leasedAt + maxAgeMs`). Undefined when the lease is already there and the extension
 * would carry it past: nothing can be extended, and the lease keeps its deadline. The
 * Redis settle script applies the same rule (scripts/snippets/settle-ops.lua).
 */
export function extendedDeadline(
  now: number,
  extensionMs: number,
  lease: { leasedAt: number; deadline: number },
  maxAgeMs: number,
): number | undefined {
  const cap = lease.leasedAt + maxAgeMs;
  if (now + extensionMs > cap && lease.deadline >= cap) return undefined;
  return Math.min(now + extensionMs, cap);
}

/** The refusal of an extend at the max lease age: the lease still holds until `deadline`. */
export function tooOldRefusal(lease: string, deadline: number): SettleResult {
  return {
    status: 'stale',
    message:
      `${lease} reached the max lease age and cannot be extended: it holds until ` +
      `${new Date(deadline).toISOString()}, then the task is delivered again`,
    deadline,
  };
}
