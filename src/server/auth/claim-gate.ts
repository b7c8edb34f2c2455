import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ClaimRequest__Output } from '../../api/generated/codeq/v1/ClaimRequest.js';
import type { ClaimResponse } from '../../api/generated/codeq/v1/ClaimResponse.js';
import { endStream } from '../grpc-status.js';
import { principalOf } from './access-control.js';
import type { ServerContext } from '../server-context.js';

type ClaimCall = ServerDuplexStream<ClaimRequest__Output, ClaimResponse>;

/**
 * Holds a new Claim stream until its caller is authenticated and its `open` is allowed:
 * the caller needs the `claim` scope on every queue it opens, and a credential that names
 * a worker id replaces the one in `open`. Then puts the first message back and calls
 * `start`, so the session reads the stream from its first message as if nothing had
 * happened; the principal stays on the call (`principalOf(call)`). A refused stream ends
 * with UNAUTHENTICATED or PERMISSION_DENIED and never reaches a session. With auth off,
 * `start` runs at once.
 */
export function gateClaim(ctx: ServerContext, call: ClaimCall, start: () => void): void {
  if (!ctx.access.enabled) {
    start();
    return;
  }
  let gone = false;
  const onGone = (): void => {
    gone = true;
  };
  call.once('cancelled', onGone);
  call.once('close', onGone);
  const refuse = (err: unknown): void => {
    if (gone) return;
    endStream(call, err, ctx.logger, { refused: 'claim stream' });
  };
  ctx.access.authenticate(call).then(() => {
    if (gone) return;
    // A worker that half-closes before its first message gets its stream closed, not held.
    const onEnd = (): void => {
      call.off('data', onFirst);
      if (!gone) call.end();
    };
    const onFirst = (first: ClaimRequest__Output): void => {
      // Nothing more is read until the session takes over.
      call.pause();
      call.off('end', onEnd);
      call.off('cancelled', onGone);
      call.off('close', onGone);
      if (gone) return;
      try {
        if (first.open) {
          ctx.access.authorize(call, 'claim', first.open.queues ?? []);
          const workerId = principalOf(call)?.workerId;
          if (workerId !== undefined) first.open.workerId = workerId;
        }
      } catch (err) {
        refuse(err);
        return;
      }
      // A message without `open` is the session's to refuse, with the protocol's error.
      call.unshift(first);
      start();
      call.resume();
    };
    call.once('data', onFirst);
    call.once('end', onEnd);
  }, refuse);
}
