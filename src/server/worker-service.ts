import type { WorkerServiceHandlers } from '../api/generated/codeq/v1/WorkerService.js';
import { StaleLeaseError, TaskNotFoundError, TooLargeError } from '../domain/errors.js';
import { parseLeaseId } from '../domain/lease-id.js';
import { gateClaim } from './auth/claim-gate.js';
import { ClaimStream } from './claim-stream.js';
import { countStream } from './server-limits.js';
import type { ServerContext } from './server-context.js';
import { unary } from './grpc-status.js';

/** The worker's API: one ClaimStream per stream, and unary Complete through the same settle batches. */
export function workerServiceHandlers(ctx: ServerContext, sessions: Set<ClaimStream>): WorkerServiceHandlers {
  return {
    Claim: (call) => {
      const endStream = countStream(ctx, call);
      if (!endStream) return;
      gateClaim(ctx, call, () => {
        const session = new ClaimStream(call, ctx, (s) => {
          sessions.delete(s);
          endStream();
        });
        sessions.add(session);
      });
    },
    Complete: unary(ctx, async (req, call) => {
      const ref = parseLeaseId(req.leaseId ?? '');
      ctx.access.authorize(call, 'claim', [ref.queue]);
      const result = req.result ?? Buffer.alloc(0);
      if (result.length > ctx.config.maxPayloadBytes) {
        throw new TooLargeError('result', result.length, ctx.config.maxPayloadBytes);
      }
      const outcome = await ctx.settler.settle(ref.queue, {
        kind: 'complete',
        taskId: ref.taskId,
        token: ref.token,
        nonce: ref.nonce,
        result,
      });
      if (outcome.status === 'stale') throw new StaleLeaseError(outcome.message);
      if (outcome.status === 'not_found') throw new TaskNotFoundError(ref.queue, ref.taskId);
      return {};
    }),
  };
}
