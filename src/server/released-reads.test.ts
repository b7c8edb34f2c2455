import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenAndConnect, rawBytesMethod, SERVER_SETUPS } from '../../support/raw-grpc.js';
import { releaseReadMessages } from './released-reads.js';

const STREAM = rawBytesMethod('/test.Release/Stream', true, false);
const SERVICE: grpc.ServiceDefinition = { Stream: STREAM };

/** Larger than an HTTP/2 frame (16 KiB by default), so it arrives in several reads. */
const LARGE = Buffer.alloc(200_000, 'abcdefgh');
const SENT = [Buffer.from('first'), Buffer.alloc(0), LARGE];

/** What the decoder of a server call held once the call's messages were all read. */
interface Held {
  /** Bytes behind the compression flag it kept: 1 when its own, a frame's size when a view of one. */
  flagBackingBytes: number;
  /** Bytes of message bodies it kept views of. */
  bodyBytes: number;
}

/** grpc-js's decoder of a server stream, under any interceptors (test introspection). */
function decoderOf(stream: object): { readCompressFlag: Buffer; readPartialMessage: Buffer[] } {
  let call = (stream as { call?: Record<string, unknown> }).call;
  while (call && !call.decoder) call = call.nextCall as Record<string, unknown> | undefined;
  return call!.decoder as { readCompressFlag: Buffer; readPartialMessage: Buffer[] };
}

describe.each(SERVER_SETUPS)(
  'releaseReadMessages on a grpc-js server stream, $server',
  ({ interceptors }) => {
    const server = new grpc.Server({ interceptors });
    let client: grpc.Client;
    let calls = 0;
    const released: boolean[] = [];
    const received: Buffer[][] = [];
    const held: Held[] = [];

    beforeAll(async () => {
      server.addService(SERVICE, {
        Stream: (call: grpc.ServerReadableStream<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
          // The first call reads as grpc-js does by itself; the second releases what it read.
          if (calls++ === 1) released.push(releaseReadMessages(call));
          const got: Buffer[] = [];
          call.on('data', (b: Buffer) => got.push(b));
          call.on('end', () => {
            received.push(got);
            const decoder = decoderOf(call);
            held.push({
              flagBackingBytes: decoder.readCompressFlag.buffer.byteLength,
              bodyBytes: decoder.readPartialMessage.reduce((n, part) => n + part.length, 0),
            });
            done(null, Buffer.alloc(0));
          });
        },
      });
      client = await listenAndConnect(server);
    });

    afterAll(() => {
      client.close();
      server.forceShutdown();
    });

    /** Sends SENT on one stream, each message in a write of its own, and waits for the answer. */
    function send(): Promise<void> {
      return new Promise((resolve, reject) => {
        const call = client.makeClientStreamRequest(
          STREAM.path,
          STREAM.requestSerialize,
          STREAM.responseDeserialize,
          (err) => (err ? reject(err) : resolve()),
        );
        for (const message of SENT) call.write(message);
        call.end();
      });
    }

    it('keeps no view of a message it read, and reads every message whole', async () => {
      await send();
      await send();
      expect(released).toEqual([true]);
      for (const got of received) expect(got).toEqual(SENT);
      const [plain, withRelease] = held;
      expect(plain, 'grpc-js alone keeps the whole last message').toMatchObject({ bodyBytes: LARGE.length });
      expect(plain!.flagBackingBytes).toBeGreaterThan(1);
      expect(withRelease).toEqual({ flagBackingBytes: 1, bodyBytes: 0 });
    });
  },
);

describe('releaseReadMessages', () => {
  it('leaves an object that is not a grpc-js server stream as it is', () => {
    const decoder = { write: () => [] };
    const other = { call: { decoder } };
    expect(releaseReadMessages(other)).toBe(false);
    expect(releaseReadMessages({})).toBe(false);
    expect(other.call.decoder).toBe(decoder);
  });
});
