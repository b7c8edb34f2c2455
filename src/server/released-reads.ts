/** What grpc-js's per-call message decoder holds between writes (its stream-decoder.js). */
interface GrpcStreamDecoder {
  write(data: Buffer): Buffer[];
  readState: number;
  readCompressFlag: Buffer;
  readPartialMessage: Buffer[];
}

/** grpc-js's ReadState.NO_DATA: the decoder is between messages. */
const NO_DATA = 0;

/** How far down a chain of server interceptors the call that decodes is looked for. */
const MAX_DEPTH = 16;

/**
 * Lets a server stream's decoder drop the last message it read once it has decoded it.
 *
 * grpc-js decodes each call's messages with a decoder that keeps views of the last one
 * (its flag byte and its body, slices of the HTTP/2 frames they came in) until the call's
 * next message replaces them, and with them the message's bytes: a worker's last result
 * or a producer's last payloads, up to the largest message allowed, stayed in memory for
 * as long as the stream was quiet. A Claim stream hears from its worker once per task, so
 * at 10,000 open streams those views lived for seconds: long enough to be copied out of
 * V8's young generation into the old one, which made every young collection slower and
 * brought the next full collection nearer. With this the decoder keeps views of a
 * message only while it is still reading it. A grpc-js whose calls are built otherwise
 * is left as it is (false).
 */
export function releaseReadMessages(stream: object): boolean {
  let call = (stream as { call?: unknown }).call;
  for (let depth = 0; call !== null && typeof call === 'object' && depth < MAX_DEPTH; depth++) {
    const decoder = (call as { decoder?: unknown }).decoder;
    if (isDecoder(decoder)) {
      release(decoder);
      return true;
    }
    // A server interceptor wraps the call that decodes (grpc-js's ServerInterceptingCall).
    call = (call as { nextCall?: unknown }).nextCall;
  }
  return false;
}

function isDecoder(value: unknown): value is GrpcStreamDecoder {
  const d = value as Partial<GrpcStreamDecoder> | undefined;
  return (
    typeof d?.write === 'function' &&
    typeof d.readState === 'number' &&
    Buffer.isBuffer(d.readCompressFlag) &&
    Array.isArray(d.readPartialMessage)
  );
}

function release(decoder: GrpcStreamDecoder): void {
  const write = decoder.write.bind(decoder);
  // The decoder's own, made once: between messages it holds these instead of the last
  // message's views. It replaces both when the next message starts; should a later
  // grpc-js fill them in place instead, they are still this stream's alone.
  const noFlag = Buffer.alloc(1);
  const noParts: Buffer[] = [];
  decoder.write = (data: Buffer): Buffer[] => {
    const messages = write(data);
    if (decoder.readState === NO_DATA) {
      noParts.length = 0;
      decoder.readPartialMessage = noParts;
      decoder.readCompressFlag = noFlag;
    }
    return messages;
  };
}
