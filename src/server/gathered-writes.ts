import type { Writable } from 'node:stream';

/** What grpc-js's server stream objects hold: the call their `_write` hands each message to. */
interface GrpcServerStream {
  call?: { sendMessage?: (message: unknown, callback: () => void) => void };
  _writev?: Writable['_writev'];
}

/**
 * Lets the messages of one server stream that are written together leave together.
 *
 * grpc-js's server streams are Writables without `_writev`: each message is handed to
 * HTTP/2 only once the one before it was flushed to the socket, so N messages written in
 * one turn leave in N socket writes, one per turn of the event loop, and the last waits
 * for all of them. With this, messages written between `cork()` and `uncork()`, or while
 * a flush is under way, are handed to HTTP/2 at once and leave in one or two writes.
 * Order and backpressure are the Writable's as before: the batch counts as written once
 * its last message is. A grpc-js whose stream objects are built otherwise is left as it is
 * (false).
 */
export function gatherWrites(stream: object): boolean {
  const s = stream as GrpcServerStream;
  const call = s.call;
  if (typeof call?.sendMessage !== 'function') return false;
  s._writev = (chunks, callback) => {
    let left = chunks.length;
    const written = (): void => {
      if (--left === 0) callback();
    };
    for (const { chunk } of chunks) call.sendMessage!(chunk, written);
  };
  return true;
}
