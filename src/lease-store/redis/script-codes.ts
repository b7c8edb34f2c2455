import type { SettleResult } from '../../domain/task.js';
import { tooOldRefusal } from '../max-lease-age.js';

/**
 * Result codes of the scripts (BullMQ `error-code.ts` style): 0 is success, a small
 * negative number a refusal. settle-5.lua returns one per op (-1 to -6, -8), cancel-3.lua
 * -1 for an unknown task. -7 is not reused: it was a claim's request for more random
 * numbers, which the scripts now draw from a seeded generator (snippets/random.lua).
 */
export enum ScriptCode {
  Ok = 0,
  /** No such task (never existed, or its retention ran out). */
  NotFound = -1,
  /** The lease is still the task's latest, but its deadline has passed. */
  LeaseExpired = -2,
  /** The task was leased again since; the value is the current token. */
  ReLeased = -3,
  /** The lease ended (settled, expired and reaped, or cancelled); the value is the task's state. */
  LeaseEnded = -4,
  /** Extend refused: a cancel was requested. */
  CancelRequested = -5,
  /** The token names a lease that was never handed out. */
  NeverLeased = -6,
  /** Extend refused: the lease is at its max age; the value is its deadline (ms), which still holds. */
  LeaseTooOld = -8,
}

/** Task states as the scripts store them (field `s`). */
export const STATE_BY_CODE = {
  P: 'PENDING',
  S: 'SCHEDULED',
  L: 'LEASED',
  C: 'COMPLETED',
  D: 'DEAD',
  X: 'CANCELLED',
} as const;

/** Turns one (code, value) pair of the settle script into the op's result. */
export function settleResultFromCode(
  code: number,
  value: unknown,
  op: { kind: string; taskId: string; token: number },
): SettleResult {
  const lease = `lease ${op.token} of task ${op.taskId}`;
  switch (code as ScriptCode) {
    case ScriptCode.Ok:
      if (op.kind === 'extend') return { status: 'ok', deadline: Number(value) };
      // A fail that used the last attempt (or was permanent) answers -1.
      return op.kind === 'fail' && Number(value) < 0 ? { status: 'ok', dead: true } : { status: 'ok' };
    case ScriptCode.NotFound:
      return { status: 'not_found', message: `task ${op.taskId} not found` };
    case ScriptCode.LeaseExpired:
      return { status: 'stale', message: `${lease} expired` };
    case ScriptCode.ReLeased:
      return {
        status: 'stale',
        message: `${lease} is stale: the task was re-leased (lease ${String(value)})`,
      };
    case ScriptCode.LeaseEnded: {
      const state = STATE_BY_CODE[String(value) as keyof typeof STATE_BY_CODE] ?? String(value);
      return { status: 'stale', message: `${lease} is no longer held: task is ${state}` };
    }
    case ScriptCode.CancelRequested:
      return { status: 'stale', message: `${lease} cannot be extended: task was cancelled` };
    case ScriptCode.NeverLeased:
      return { status: 'stale', message: `${lease} was never handed out` };
    case ScriptCode.LeaseTooOld:
      return tooOldRefusal(lease, Number(value));
    default:
      throw new Error(`settle script returned unknown code ${code}`);
  }
}
