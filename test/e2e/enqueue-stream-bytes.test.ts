import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { EnqueueStreamResponse__Output } from '../../src/api/generated/codeq/v1/EnqueueStreamResponse.js';
import type { TaskServiceClient } from '../../src/api/generated/codeq/v1/TaskService.js';
import { codeqProto } from '../../src/api/proto.js';
import type { EnqueueResult, NewTask } from '../../src/domain/task.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { rawClients, startTestServer, type TestServer } from '../support/test-server.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const PAYLOAD_BYTES = 256 * KiB;
/** The caps the server runs with: a stream may hold 16 such requests, the server 48. */
const STREAM_CAP = 4 * MiB;
const SERVER_CAP = 12 * MiB;
/** Requests each greedy stream sends: 40 MiB, far past its cap and under the 1,024 requests a stream may have unanswered. */
const REQUESTS = 160;
const HELD = 'held';

/** A memory store whose enqueues of queue `held` wait until `open()`: a store that fell behind. */
class GatedStore extends MemoryStore {
  /** Tasks of `held` waiting for the gate, and the most that ever waited at once. */
  waiting = 0;
  peakWaiting = 0;
  #open!: () => void;
  readonly #gate = new Promise<void>((resolve) => (this.#open = resolve));

  override async enqueue(tasks: readonly NewTask[]): Promise<EnqueueResult[]> {
    if (tasks[0]?.queue === HELD) {
      this.waiting += tasks.length;
      this.peakWaiting = Math.max(this.peakWaiting, this.waiting);
      await this.#gate;
      this.waiting -= tasks.length;
    }
    return super.enqueue(tasks);
  }

  open(): void {
    this.#open();
  }
}

/** Waits until `read()` is over `above`, then until it has not changed for `quietMs`; returns its last value. */
async function settled(
  read: () => number,
  above: number,
  quietMs = 1_000,
  timeoutMs = 20_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (read() <= above && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  let last = read();
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) break;
  }
  return last;
}

/**
 * Producers that send many large requests on EnqueueStreams while the store is slow, and
 * read no replies: the bytes the server reads ahead stay within --max-stream-buffered-bytes
 * per stream and --max-buffered-bytes per server; other clients are served; every request
 * is answered and stored once the store catches up.
 */
describe('EnqueueStream: bytes of unanswered requests', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('stops reading a stream at its byte cap and the server at its own, losing nothing', async () => {
    const store = new GatedStore();
    cleanup.push(() => store.close());
    const server: TestServer = await startTestServer(store, {
      maxStreamBufferedBytes: STREAM_CAP,
      maxBufferedBytes: SERVER_CAP,
    });
    cleanup.push(() => server.stop());
    cleanup.push(() => store.open());
    const v1 = codeqProto().codeq.v1;
    // A connection of its own: what the greedy streams hold back is theirs alone.
    const greedy: TaskServiceClient = new v1.TaskService(server.address, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
    cleanup.push(() => greedy.close());

    const payload = Buffer.alloc(PAYLOAD_BYTES, 0x61);
    const open = () => {
      const call = greedy.enqueueStream();
      call.on('error', () => {});
      // No 'data' listener: the replies are not read until the end.
      for (let i = 0; i < REQUESTS; i++) call.write({ tasks: [{ queue: HELD, payload }] });
      return call;
    };

    const perRequest = PAYLOAD_BYTES + 256 + HELD.length;
    // One stream alone: at most its cap, plus the one request that crossed it.
    const streams = [open()];
    const one = await settled(() => store.waiting, 0);
    expect(one).toBeGreaterThan(0);
    expect(one * perRequest).toBeLessThanOrEqual(STREAM_CAP + perRequest);
    // Four streams together: at most the server's cap, plus one request per stream.
    streams.push(open(), open(), open());
    const four = await settled(() => store.waiting, one);
    expect(four).toBeGreaterThan(one);
    expect(store.peakWaiting * perRequest).toBeLessThanOrEqual(SERVER_CAP + 4 * perRequest);

    // Another client is served meanwhile, unary and on a stream of its own.
    const other = rawClients(server.address);
    cleanup.push(() => other.close());
    const { taskId } = await other.enqueue({ queue: 'other', payload: Buffer.from('served') });
    expect((await other.getTask({ queue: 'other', taskId })).state).toBe('PENDING');
    const otherClient: TaskServiceClient = new v1.TaskService(
      server.address,
      grpc.credentials.createInsecure(),
      {
        'grpc.use_local_subchannel_pool': 1,
      },
    );
    cleanup.push(() => otherClient.close());
    const otherStream = otherClient.enqueueStream();
    const otherReply = new Promise<EnqueueStreamResponse__Output>((resolve) =>
      otherStream.once('data', resolve),
    );
    otherStream.write({ tasks: [{ queue: 'other', payload: Buffer.from('streamed') }] });
    expect((await otherReply).code ?? 0).toBe(0);
    otherStream.end();

    // The store catches up: every request is answered OK, in order, and stored.
    const answered = streams.map(
      (call) =>
        new Promise<EnqueueStreamResponse__Output[]>((resolve, reject) => {
          const replies: EnqueueStreamResponse__Output[] = [];
          call.on('data', (r: EnqueueStreamResponse__Output) => replies.push(r));
          call.on('status', (s: grpc.StatusObject) =>
            s.code === grpc.status.OK ? resolve(replies) : reject(new Error(s.details)),
          );
          call.end();
        }),
    );
    store.open();
    const replies = await Promise.all(answered);
    const ids = new Set<string>();
    for (const r of replies) {
      expect(r).toHaveLength(REQUESTS);
      for (const reply of r) {
        expect(reply.code ?? 0).toBe(0);
        ids.add(reply.results[0]!.taskId!);
      }
    }
    expect(ids.size).toBe(4 * REQUESTS);
    expect((await store.stats(HELD)).ready).toBe(4 * REQUESTS);
  }, 60_000);
});
