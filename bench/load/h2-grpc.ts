import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';

/** gRPC's length prefix: a compression flag byte and a 32-bit big-endian length. */
export const PREFIX_BYTES = 5;

/** One message as gRPC puts it on the wire: uncompressed, behind its length prefix. */
export function grpcFrame(message: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, PREFIX_BYTES);
  return frame;
}

/** A gRPC call's status as its trailers (or a trailers-only reply's headers) gave it. */
export interface GrpcStatus {
  code: number;
  details: string;
}

/**
 * Starts a gRPC call of `path` on a bare HTTP/2 session, as the bench's clients that skip
 * grpc-js do (h2-unary-producer.ts, h2-claim-call.ts). `status()` reads the call's status
 * once the server's side ended; none given reads UNAVAILABLE (14).
 */
export function grpcRequest(
  session: ClientHttp2Session,
  path: string,
): { stream: ClientHttp2Stream; status: () => GrpcStatus } {
  const stream = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  let given: IncomingHttpHeaders | undefined;
  // A trailers-only reply (an error) carries grpc-status in the headers.
  stream.on('response', (headers) => {
    if (headers['grpc-status'] !== undefined) given = headers;
  });
  stream.on('trailers', (trailers: IncomingHttpHeaders) => (given = trailers));
  const status = (): GrpcStatus => ({
    code: Number(given?.['grpc-status'] ?? 14),
    details: String(given?.['grpc-message'] ?? ''),
  });
  return { stream, status };
}
