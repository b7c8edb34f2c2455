import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenAndConnect, rawBytesMethod, SERVER_SETUPS } from '../../support/raw-grpc.js';
import { gatherWrites } from './gathered-writes.js';

const STREAM = rawBytesMethod('/test.Gather/Stream', true, true);
const SERVICE: grpc.ServiceDefinition = { Stream: STREAM };
const MESSAGES = 50;
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * Writes MESSAGES messages in one turn (corked) on a real grpc-js server stream and
 * returns over how many turns of the event loop their write callbacks came: one per
 * socket write that carried them.
 */
function writeSpread(call: grpc.ServerDuplexStream<Buffer, Buffer>): Promise<number> {
  return new Promise((resolve) => {
    let turn = 0;
    let done = 0;
    const turns = new Set<number>();
    const tick = (): void => {
      turn++;
      if (done < MESSAGES) setImmediate(tick);
    };
    setImmediate(tick);
    call.cork();
    for (let i = 0; i < MESSAGES; i++)
      call.write(Buffer.from(`m${i}`), () => {
        turns.add(turn);
        if (++done === MESSAGES) resolve(turns.size);
      });
    call.uncork();
  });
}

describe.each(SERVER_SETUPS)('gatherWrites on a grpc-js server stream, $server', ({ interceptors }) => {
  const server = new grpc.Server({ interceptors });
  let client: grpc.Client;
  const gathered: boolean[] = [];
  const spreads: number[] = [];

  beforeAll(async () => {
    let calls = 0;
    server.addService(SERVICE, {
      Stream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        // The first call writes as grpc-js does by itself; the second gathers its writes.
        if (calls++ === 1) gathered.push(gatherWrites(call));
        call.once('data', () => {
          void writeSpread(call).then((spread) => {
            spreads.push(spread);
            call.end();
          });
        });
      },
    });
    client = await listenAndConnect(server);
  });

  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  /** Opens a stream, sends one message, and collects what the server writes back. */
  function exchange(): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const call = client.makeBidiStreamRequest(
        STREAM.path,
        STREAM.requestSerialize,
        STREAM.responseDeserialize,
      );
      const got: string[] = [];
      call.on('data', (b: Buffer) => got.push(b.toString()));
      call.on('error', reject);
      call.on('end', () => resolve(got));
      call.write(Buffer.from('go'));
      call.end();
    });
  }

  it('hands the messages of one turn to HTTP/2 together, in order, where plain writes take a turn each', async () => {
    const expected = Array.from({ length: MESSAGES }, (_, i) => `m${i}`);
    expect(await exchange()).toEqual(expected);
    expect(await exchange()).toEqual(expected);
    expect(gathered).toEqual([true]);
    const [plain, withGather] = spreads;
    expect(withGather, 'gathered: one or two socket writes').toBeLessThanOrEqual(3);
    // On Node 22 grpc-js alone spreads a turn's messages over a turn each; on Node 24 its
    // write callbacks already come within one turn (measured with the same grpc-js), so
    // there the gathering is what it was meant to make sure of, not a change.
    if (NODE_MAJOR < 24)
      expect(plain, 'grpc-js alone writes a message or two per turn').toBeGreaterThanOrEqual(MESSAGES / 5);
    else expect(plain, 'grpc-js alone, from Node 24 on').toBeLessThanOrEqual(3);
  });
});

describe('gatherWrites', () => {
  it('leaves an object that is not a grpc-js server stream as it is', () => {
    const other = { write() {} };
    expect(gatherWrites(other)).toBe(false);
    expect(other).not.toHaveProperty('_writev');
  });
});
