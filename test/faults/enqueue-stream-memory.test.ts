import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EnqueueResult, NewTask } from '../../src/domain/task.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { rawClients, startTestServer } from '../support/test-server.js';
import { Cleanup } from './fault-harness.js';

const MiB = 1024 * 1024;
const PAYLOAD_BYTES = 256 * 1024;
const STREAMS = 4;
/** Per stream: 40 MiB, under the 1,024 unanswered requests a stream may have. */
const REQUESTS = 160;
const STREAM_CAP = 4 * MiB;
const SERVER_CAP = 12 * MiB;
/**
 * Growth of this process's heap plus Buffers (it runs the server; the producer is a
 * process of its own) the greedy producer may cause: the 12 MiB cap, what grpc-js reads
 * ahead of paused streams (16 messages each) and HTTP/2 windows. Without the byte caps
 * the server read all 160 MiB of requests.
 */
const GROWTH_BOUND = 96 * MiB;
const HELD = 'held';

/** A memory store whose enqueues of queue `held` wait until `open()`: a store that fell behind. */
class GatedStore extends MemoryStore {
  waiting = 0;
  #open!: () => void;
  readonly #gate = new Promise<void>((resolve) => (this.#open = resolve));

  override async enqueue(tasks: readonly NewTask[]): Promise<EnqueueResult[]> {
    if (tasks[0]?.queue === HELD) {
      this.waiting += tasks.length;
      await this.#gate;
    }
    return super.enqueue(tasks);
  }

  open(): void {
    this.#open();
  }
}

function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

describe('fault: a producer floods EnqueueStreams with large requests while the store is behind', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('holds at most the byte caps of its requests, and serves another client', async () => {
    const store = new GatedStore();
    cleanup.add(() => store.close());
    const server = await startTestServer(store, {
      maxStreamBufferedBytes: STREAM_CAP,
      maxBufferedBytes: SERVER_CAP,
    });
    cleanup.add(() => server.stop());
    cleanup.add(() => store.open());
    await new Promise((r) => setTimeout(r, 200));
    const baseline = memory();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, memory())), 50);
    cleanup.add(() => clearInterval(sampler));

    const producer = spawn(
      process.execPath,
      [
        join(import.meta.dirname, 'greedy-producer.mjs'),
        server.address,
        HELD,
        String(STREAMS),
        String(REQUESTS),
        String(PAYLOAD_BYTES),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanup.add(() => producer.kill('SIGKILL'));
    // Until the server has read what it will read: the count waiting for the store settles.
    let last = -1;
    let quietSince = Date.now();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (store.waiting === 0 || Date.now() - quietSince < 2_000)) {
      await new Promise((r) => setTimeout(r, 100));
      if (store.waiting !== last) {
        last = store.waiting;
        quietSince = Date.now();
      }
    }

    // Another client is served meanwhile.
    const other = rawClients(server.address);
    cleanup.add(() => other.close());
    const { taskId } = await other.enqueue({ queue: 'other', payload: Buffer.from('served') });
    expect((await other.getTask({ queue: 'other', taskId })).state).toBe('PENDING');

    clearInterval(sampler);
    peak = Math.max(peak, memory());
    console.log(
      `greedy producer: ${STREAMS} streams × ${REQUESTS} requests of ${PAYLOAD_BYTES / 1024} KiB; ` +
        `${store.waiting} requests read and waiting for the store; server heap + Buffers ` +
        `${Math.round(baseline / MiB)} -> peak ${Math.round(peak / MiB)} MiB`,
    );
    expect(store.waiting * PAYLOAD_BYTES).toBeLessThanOrEqual(SERVER_CAP + STREAMS * PAYLOAD_BYTES);
    expect(peak - baseline).toBeLessThan(GROWTH_BOUND);
  }, 60_000);
});
