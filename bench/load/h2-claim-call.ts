import { EventEmitter } from 'node:events';
import { constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { MethodDefinition } from '@grpc/proto-loader';
import type { ClaimRequest } from '../../src/api/generated/codeq/v1/ClaimRequest.js';
import type { ClaimResponse__Output } from '../../src/api/generated/codeq/v1/ClaimResponse.js';
import { codeqPackageDefinition } from '../../src/api/proto.js';
import { grpcFrame, grpcRequest, PREFIX_BYTES } from './h2-grpc.js';

/** The server's own codecs of the Claim method, so the bytes are what any client sends. */
const CLAIM = (
  codeqPackageDefinition()['codeq.v1.WorkerService'] as Record<
    string,
    MethodDefinition<ClaimRequest, ClaimResponse__Output>
  >
).Claim!;

/**
 * One Claim stream over a bare `node:http2` session: the gRPC wire protocol (length-prefixed
 * protobuf messages each way, `grpc-status` in the trailers) without grpc-js's client, with
 * the events and methods of a grpc-js duplex call that the bench's stream workers use. At
 * thousands of streams per process grpc-js's client keeps several call objects per stream,
 * and its young collections grew with the streams (BENCHMARKS.md, "A seventeenth AMD EPYC
 * VM"); a worker host in another language pays its own client's cost, not grpc-js's. The
 * server sees the same stream as from any other client.
 */
export class H2ClaimCall extends EventEmitter {
  readonly #stream: ClientHttp2Stream;
  /** Bytes of a message not yet whole, in the order they came. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(session: ClientHttp2Session) {
    super();
    const { stream, status } = grpcRequest(session, CLAIM.path);
    this.#stream = stream;
    this.#stream.on('data', (chunk: Buffer) => this.#read(chunk));
    this.#stream.on('drain', () => this.emit('drain'));
    this.#stream.on('error', (err: Error) => this.emit('error', err));
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      // The call is over once the server's side ended (with its status), as in grpc-js:
      // the stream is closed even where this side did not end it.
      if (!this.#stream.closed) this.#stream.close();
      this.emit('status', status());
    };
    this.#stream.on('end', end);
    this.#stream.on('close', end);
  }

  /** Writes one request; false when the stream pushed back (wait for 'drain'). */
  write(message: ClaimRequest): boolean {
    return this.#stream.write(grpcFrame(CLAIM.requestSerialize(message)));
  }

  end(): void {
    this.#stream.end();
  }

  cancel(): void {
    this.#stream.close(constants.NGHTTP2_CANCEL);
  }

  /** Emits every whole message of the bytes read so far, keeping the rest. */
  #read(chunk: Buffer): void {
    let data = chunk;
    if (this.#pendingBytes > 0) {
      this.#pending.push(chunk);
      data = Buffer.concat(this.#pending, this.#pendingBytes + chunk.length);
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    let at = 0;
    while (data.length - at >= PREFIX_BYTES) {
      const length = data.readUInt32BE(at + 1);
      if (data.length - at - PREFIX_BYTES < length) break;
      const body = data.subarray(at + PREFIX_BYTES, at + PREFIX_BYTES + length);
      at += PREFIX_BYTES + length;
      this.emit('data', CLAIM.responseDeserialize(body));
    }
    if (at < data.length) {
      // Copied: a view would keep the whole chunk for as long as the stream is quiet.
      const rest = Buffer.from(data.subarray(at));
      this.#pending.push(rest);
      this.#pendingBytes = rest.length;
    }
  }
}
