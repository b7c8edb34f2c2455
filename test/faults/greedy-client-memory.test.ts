import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskServiceClient } from '../../src/api/generated/codeq/v1/TaskService.js';
import type { WorkerServiceClient } from '../../src/api/generated/codeq/v1/WorkerService.js';
import { codeqProto } from '../../src/api/proto.js';
import { residentBytes } from '../support/server-process.js';
import { Cleanup, uniquePrefix, uniqueQueue } from './fault-harness.js';

const MiB = 1024 * 1024;
/** Tasks the greedy client's streams could take: 120 MiB of payloads waiting in Redis. */
const TASKS = 480;
const PAYLOAD_BYTES = 256 * 1024;
/** The caps this server runs with (the defaults are larger: 256 MiB, 16 MiB, 30 s). */
const MAX_BUFFERED_BYTES = 32 * MiB;
const MAX_STREAM_BUFFERED_BYTES = 4 * MiB;
const STALL = '3s';
const MAX_WAITS_PER_CALLER = 20;
/** Streams the greedy client opens on its one connection, each granting all the credit allowed. */
const STREAMS = 40;
/**
 * Growth of the server's resident memory (heap, Buffers and all) the greedy client may
 * cause, at most: a backstop against growth nothing caps, not what tells the caps apart.
 * The claims and encodings in flight and the timing of collections move it by more than
 * the caps save in this test's one-second window (growth of 117–202 MiB with the caps,
 * 122–146 MiB without them over ten runs); the server's gauge of lease bytes held for
 * streams, checked below, tells them apart (32 MiB with the caps, 82–110 without).
 */
const RSS_GROWTH_BOUND = 384 * MiB;
/**
 * The server's heap plus Buffers (its own /metrics figures), at most, during the attack: a
 * backstop against growth outside the capped lease bytes (encodings, claims in flight). It
 * moves with the timing of collections (peaks of 167–257 MiB over fourteen runs with the
 * caps; 204–237 MiB in this test's one-second window without them), so it does not tell the
 * caps apart: the server's gauge of lease bytes held for streams, checked below, does (32
 * MiB with them, 103–110 without).
 */
const MEMORY_BOUND = 320 * MiB;
/** How soon another client's task must be enqueued and claimed, however busy the machine. */
const SERVED_BOUND_MS = 30_000;

describe('fault: one client opens everything it can and reads nothing', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('stays under its memory caps, ends only stalled streams (RESOURCE_EXHAUSTED), and serves another client', async () => {
    const s = await cleanup.server(uniquePrefix('greedy'), [
      '--max-buffered-bytes',
      String(MAX_BUFFERED_BYTES),
      '--max-stream-buffered-bytes',
      String(MAX_STREAM_BUFFERED_BYTES),
      '--max-stream-stall',
      STALL,
      '--max-waits-per-caller',
      String(MAX_WAITS_PER_CALLER),
      '--lease-reconnect-grace',
      '1s',
      '--metrics-listen',
      '127.0.0.1:0',
    ]);
    // Printed just after the line naming the gRPC port.
    await expect.poll(() => /metrics: Prometheus on (\S+)/.exec(s.output())).toBeTruthy();
    const metricsUrl = /metrics: Prometheus on (\S+)/.exec(s.output())![1]!;
    const queue = uniqueQueue('greedy');
    const producer = cleanup.producer(s.address);
    const ids: string[] = [];
    const payload = Buffer.alloc(PAYLOAD_BYTES, 0x61);
    for (let i = 0; i < TASKS; i += 8) {
      const batch = await producer.enqueueBatch(Array.from({ length: 8 }, () => ({ queue, payload })));
      ids.push(...batch.map((r) => r.taskId));
    }
    await new Promise((r) => setTimeout(r, 500));
    const baseline = residentBytes(s.child.pid!);
    let peak = baseline;
    // The server's own figures, from its Prometheus endpoint: lease bytes it holds for
    // streams, and its heap plus Buffers.
    let peakBuffered = 0;
    let peakMemory = 0;
    const sample = async (): Promise<void> => {
      const text = await (await fetch(metricsUrl)).text();
      const value = (name: string): number =>
        Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      peakBuffered = Math.max(peakBuffered, value('codeq_streams_buffered_bytes'));
      peakMemory = Math.max(
        peakMemory,
        value('codeq_process_heap_used_bytes') + value('codeq_process_external_bytes'),
      );
    };
    await sample();
    const memoryBaseline = peakMemory;
    const sampler = setInterval(() => {
      peak = Math.max(peak, residentBytes(s.child.pid!));
      sample().catch(() => {});
    }, 100);
    cleanup.add(() => clearInterval(sampler));

    // The greedy client: one connection, streams granting all their credit with no 'data'
    // listener (grpc-js then stops taking bytes off the connection), and every WaitTask it may hold.
    const v1 = codeqProto().codeq.v1;
    const workers: WorkerServiceClient = new v1.WorkerService(s.address, grpc.credentials.createInsecure());
    const tasks: TaskServiceClient = new v1.TaskService(s.address, grpc.credentials.createInsecure());
    cleanup.add(() => workers.close());
    cleanup.add(() => tasks.close());
    const endings: { code: number; details: string }[] = [];
    for (let i = 0; i < STREAMS; i++) {
      const stream = workers.Claim();
      stream.on('error', (e: grpc.ServiceError) => endings.push(e));
      cleanup.add(() => stream.cancel());
      stream.write({ open: { workerId: `greedy-${i}`, queues: [queue] }, credit: 1_000 });
    }
    const waits = Array.from(
      { length: MAX_WAITS_PER_CALLER + 1 },
      (_, i) =>
        new Promise<grpc.ServiceError | null>((resolve) =>
          tasks.WaitTask({ queue, taskId: ids[i], timeout: { seconds: 60 } }, (err) => resolve(err)),
        ),
    );
    const refusedWait = await Promise.race(waits);
    expect(refusedWait?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refusedWait?.details).toMatch(/--max-waits-per-caller 20/);

    // Another client is served meanwhile: its task is enqueued and claimed.
    const started = Date.now();
    const good = uniqueQueue('good');
    let claimedMs = 0;
    const worker = cleanup.worker({
      address: s.address,
      queues: [good],
      concurrency: 4,
      handler: async () => {
        claimedMs ||= Date.now() - started;
      },
    });
    await worker.start();
    const { taskId } = await producer.enqueue(good, 'served');
    await expect
      .poll(async () => (await producer.getTask(good, taskId)).state, {
        timeout: SERVED_BOUND_MS,
        interval: 100,
      })
      .toBe('COMPLETED');

    // Streams that were sent leases and read none of them end once stalled. Whether a
    // given stream holds unsent bytes here depends on how much the HTTP/2 layers buffered
    // for it, so this test does not wait for an ending; the stall itself is tested with a
    // fake clock in src/server/stream-buffer.test.ts. What did end must have ended so:
    clearInterval(sampler);
    await sample();
    const growth = peak - baseline;
    console.log(
      `greedy client: ${STREAMS} streams, ${MAX_WAITS_PER_CALLER} waits; server RSS ${Math.round(baseline / MiB)} -> ` +
        `peak ${Math.round(peak / MiB)} MiB; heap + Buffers ${Math.round(memoryBaseline / MiB)} -> peak ` +
        `${Math.round(peakMemory / MiB)} MiB; lease bytes held for streams peak ${Math.round(peakBuffered / MiB)} MiB; ` +
        `another client's task claimed after ${claimedMs} ms`,
    );
    for (const e of endings) {
      expect(e.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(e.details).toMatch(/--max-stream-stall/);
    }
    // The server never held more for streams than its cap (without it: every payload taken),
    // but for the other client's one small EnqueueStream request: a stream holding nothing
    // always reads one, and its bytes count with the leases'.
    expect(peakBuffered).toBeGreaterThan(0);
    expect(peakBuffered).toBeLessThanOrEqual(MAX_BUFFERED_BYTES + 64 * 1024);
    expect(peakMemory).toBeLessThan(MEMORY_BOUND);
    expect(growth).toBeLessThan(RSS_GROWTH_BOUND);
    expect(claimedMs).toBeLessThan(SERVED_BOUND_MS);
  }, 90_000);
});
