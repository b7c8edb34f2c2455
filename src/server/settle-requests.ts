import type { ClaimRequest__Output } from '../api/generated/codeq/v1/ClaimRequest.js';
import type { _codeq_v1_ClaimResponse_Outcome_Kind as OutcomeKind } from '../api/generated/codeq/v1/ClaimResponse.js';
import { CodeqError, TooLargeError } from '../domain/errors.js';
import { parseLeaseId } from '../domain/lease-id.js';
import { MAX_ERROR_CHARS, type LeaseRef, type SettleOp } from '../domain/task.js';
import { extensionMs, retryDelayMs } from './validation.js';

/**
 * One settle of a ClaimRequest: the store op to run, or the error that refuses it at
 * once (its outcome's status comes from the call boundary, grpc-status.ts).
 */
export type SettleRequest =
  | { leaseId: string; kind: OutcomeKind & string; ref: LeaseRef; op: SettleOp }
  | { leaseId: string; kind: OutcomeKind & string; refused: CodeqError };

/** What the stream that received the settles allows. */
export interface SettleContext {
  /**
   * Throws (PermissionDeniedError) when the stream's caller may not settle leases of
   * `queue`. A lease settles on any stream, whichever queues it opened, as the unary
   * Complete does; with access control on, the caller needs the claim scope on its queue.
   */
  authorizeQueue: (queue: string) => void;
  /** The stream's lease length, the default of an extension. */
  leaseMs: number;
  maxPayloadBytes: number;
}

/**
 * The completes, fails, extends and releases of a ClaimRequest as store ops, in that
 * order, one entry per settle: a malformed lease id, a lease of a queue the caller may not
 * claim from or a result over the payload limit is refused here, naming the field.
 */
export function settleRequests(msg: ClaimRequest__Output, ctx: SettleContext): SettleRequest[] {
  const out: SettleRequest[] = [];
  const add = (
    kind: OutcomeKind & string,
    leaseId: string | undefined,
    toOp: (ref: LeaseRef) => SettleOp,
  ) => {
    const id = leaseId ?? '';
    try {
      const ref = parseLeaseId(id);
      ctx.authorizeQueue(ref.queue);
      out.push({ leaseId: id, kind, ref, op: toOp(ref) });
    } catch (err) {
      if (!(err instanceof CodeqError)) throw err;
      out.push({ leaseId: id, kind, refused: err });
    }
  };
  const lease = (ref: LeaseRef) => ({ taskId: ref.taskId, token: ref.token, nonce: ref.nonce });
  for (const c of msg.completes)
    add('COMPLETE', c.leaseId, (ref) => {
      const result = c.result ?? Buffer.alloc(0);
      if (result.length > ctx.maxPayloadBytes)
        throw new TooLargeError('result', result.length, ctx.maxPayloadBytes);
      return { kind: 'complete', ...lease(ref), result };
    });
  for (const f of msg.fails)
    add('FAIL', f.leaseId, (ref) => ({
      kind: 'fail',
      ...lease(ref),
      error: (f.error ?? '').slice(0, MAX_ERROR_CHARS),
      retryDelayMs: retryDelayMs(f.retryDelay),
      permanent: f.permanent ?? false,
    }));
  for (const e of msg.extends)
    add('EXTEND', e.leaseId, (ref) => ({
      kind: 'extend',
      ...lease(ref),
      extensionMs: extensionMs(e.extension, ctx.leaseMs),
    }));
  for (const r of msg.releases) add('RELEASE', r.leaseId, (ref) => ({ kind: 'release', ...lease(ref) }));
  return out;
}
