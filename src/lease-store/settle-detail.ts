import { createHash } from 'node:crypto';
import type { SettleOp } from '../domain/task.js';

/**
 * What tells a true repeat of a settle from a different settle of the same lease: for a
 * complete a digest of its result, for a fail its error, `permanent` and retry delay, for
 * a release nothing. The memory store remembers it with the last successful settle; the
 * Redis scripts compute their own (scripts/snippets/settle-ops.lua), never compared
 * with this one.
 */
export function settleDetail(op: SettleOp): string {
  switch (op.kind) {
    case 'complete':
      return createHash('sha1').update(op.result).digest('base64');
    case 'fail':
      return JSON.stringify([op.error, op.permanent, op.retryDelayMs ?? null]);
    case 'extend':
    case 'release':
      return '';
  }
}
