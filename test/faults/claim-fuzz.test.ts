import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimRequest } from '../../src/api/generated/codeq/v1/ClaimRequest.js';
import type { ClaimResponse__Output } from '../../src/api/generated/codeq/v1/ClaimResponse.js';
import { codeqProto } from '../../src/api/proto.js';
import { formatLeaseId } from '../../src/domain/lease-id.js';
import { Cleanup, uniquePrefix, uniqueQueue } from './fault-harness.js';

/** A well-formed lease id with a made-up nonce: what a client that read a task id could forge. */
function forge(queue: string, taskId: string, token: number): string {
  return formatLeaseId({ queue, taskId, token, nonce: 'forgedforgedforg' });
}

/** Sequences tried; each is one Claim stream of up to 8 writes, so the whole run stays well under a minute. */
const RUNS = 100;
/** Stands for "a lease id a fuzz stream was really given" until the write picks one. */
const RECEIVED = '<received>';

interface Given {
  leaseId: string;
  taskId: string;
}

type Step = { message: ClaimRequest } | { bytes: Uint8Array };

/** What the fuzz did to each task of the fuzzed queue, for checking the store afterwards. */
interface Sent {
  leases: number;
  results: Set<string>;
  failed: boolean;
}

describe('fault: random and malformed ClaimRequests, and random bytes, on Claim streams', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('changes no task it had no valid lease of, keeps serving, and a healthy worker still gets its tasks', async () => {
    const s = await cleanup.server(uniquePrefix('fuzz'), ['--lease-reconnect-grace', '0s']);
    const producer = cleanup.producer(s.address);
    // Untouchable: no fuzz stream opens this queue, so nothing may change these tasks.
    const sentinelQueue = uniqueQueue('sentinel');
    const sentinels = await producer.enqueueBatch(
      Array.from({ length: 20 }, (_, i) => ({ queue: sentinelQueue, payload: `s${i}` })),
    );
    // Fuzzed: streams lease these and settle them with real, stale and forged lease ids.
    const fuzzQueue = uniqueQueue('fuzzed');
    const fuzzed = await producer.enqueueBatch(
      // No backoff: a lease the fuzz lets go is at once there for the next stream to take.
      Array.from({ length: 40 }, (_, i) => ({
        queue: fuzzQueue,
        payload: `f${i}`,
        maxAttempts: 1000,
        retry: { initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 1 },
      })),
    );
    const sent = new Map<string, Sent>(
      fuzzed.map((r) => [r.taskId, { leases: 0, results: new Set(), failed: false }]),
    );
    const received: Given[] = [];

    const v1 = codeqProto().codeq.v1;
    const serialize = v1.WorkerService.service.Claim.requestSerialize as (m: ClaimRequest) => Buffer;
    const deserialize = v1.WorkerService.service.Claim.responseDeserialize as (
      b: Buffer,
    ) => ClaimResponse__Output;
    // A bare client: it writes whatever bytes it is given, so the server sees undecodable messages too.
    const raw = new grpc.Client(s.address, grpc.credentials.createInsecure());
    cleanup.add(() => raw.close());

    const queueName = fc.oneof(
      fc.constant(fuzzQueue),
      fc.constant(fuzzQueue),
      fc.string({ maxLength: 140 }),
      fc.constantFrom('', ' ', '-leading-dash', 'a'.repeat(129), 'bad/slash', 'ünïcode'),
    );
    const duration = fc.record(
      { seconds: fc.integer({ min: -100, max: 100_000 }), nanos: fc.integer({ min: -2e9, max: 2e9 }) },
      { requiredKeys: [] },
    );
    const leaseId = fc.oneof(
      // Mostly one this stream holds (a settle that should apply), sometimes any ever given (likely stale).
      { weight: 3, arbitrary: fc.nat().map((n) => `${RECEIVED}mine:${n}`) },
      { weight: 1, arbitrary: fc.nat().map((n) => `${RECEIVED}any:${n}`) },
      { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
      { weight: 1, arbitrary: fc.constantFrom('', '/', '//', `${fuzzQueue}//`, `${fuzzQueue}/x/1`) },
      // Well-formed but never issued: a token far past any this short run reaches.
      {
        weight: 1,
        arbitrary: fc.constantFrom(...fuzzed.map((r) => forge(fuzzQueue, r.taskId, 999999))),
      },
      // Well-formed, the first lease of a fuzzed task, with a nonce codeQ never issued.
      {
        weight: 1,
        arbitrary: fc.constantFrom(...fuzzed.map((r) => forge(fuzzQueue, r.taskId, 1))),
      },
      // A sentinel's id: its queue was never opened and the task never leased.
      {
        weight: 1,
        arbitrary: fc.constantFrom(...sentinels.map((r) => forge(sentinelQueue, r.taskId, 1))),
      },
    );
    const open = fc.record(
      {
        workerId: fc.string({ maxLength: 20 }),
        queues: fc.array(queueName, { maxLength: 4 }),
        leaseDuration: duration,
      },
      { requiredKeys: [] },
    );
    const settles = fc.record(
      {
        credit: fc.oneof(fc.nat(50), fc.nat(2_000), fc.constant(4_294_967_295)),
        completes: fc.array(
          fc.record({ leaseId, result: fc.uint8Array({ maxLength: 32 }) }, { requiredKeys: ['leaseId'] }),
          { maxLength: 4 },
        ),
        fails: fc.array(
          fc.record(
            { leaseId, error: fc.string({ maxLength: 20 }), retryDelay: duration, permanent: fc.boolean() },
            { requiredKeys: ['leaseId'] },
          ),
          { maxLength: 3 },
        ),
        extends: fc.array(fc.record({ leaseId, extension: duration }, { requiredKeys: ['leaseId'] }), {
          maxLength: 3,
        }),
        releases: fc.array(fc.record({ leaseId }), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    );
    // An open after the first message ends the stream: rare, so most streams live on to settle.
    const message: fc.Arbitrary<ClaimRequest> = fc.oneof(
      { weight: 6, arbitrary: settles },
      { weight: 1, arbitrary: fc.tuple(open, settles).map(([o, rest]) => ({ open: o, ...rest })) },
    );
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 4, arbitrary: message.map((m) => ({ message: m })) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => ({ bytes: b })) },
    );
    // Most sequences start with a valid open, so the fuzz gets past the handshake and holds leases.
    const validOpen = fc
      .nat(20)
      .map((credit): Step => ({ message: { open: { queues: [fuzzQueue] }, credit } }));
    const sequence = fc
      .oneof(
        { weight: 3, arbitrary: fc.tuple(validOpen, fc.array(step, { minLength: 1, maxLength: 7 })) },
        { weight: 1, arbitrary: fc.tuple(step, fc.array(step, { maxLength: 7 })) },
      )
      .map(([first, rest]) => [first, ...rest]);

    /**
     * Replaces a RECEIVED placeholder with a lease id this stream (`mine`) or any stream was
     * given, maybe stale by now, and notes the settles that may apply.
     */
    const resolve = (m: ClaimRequest, mine: Given[]): ClaimRequest => {
      const pick = (id: string | undefined): { leaseId: string; taskId?: string } => {
        if (!id?.startsWith(RECEIVED)) return { leaseId: id ?? '' };
        const [from, n] = id.slice(RECEIVED.length).split(':');
        const list = from === 'mine' ? mine : received;
        return list[Number(n) % Math.max(1, list.length)] ?? { leaseId: 'none-given-yet' };
      };
      const out: ClaimRequest = { ...m };
      out.completes = m.completes?.map((c) => {
        const { leaseId: id, taskId } = pick(c.leaseId ?? undefined);
        if (taskId) sent.get(taskId)?.results.add(Buffer.from(c.result ?? []).toString('base64'));
        return { ...c, leaseId: id };
      });
      out.fails = m.fails?.map((f) => {
        const { leaseId: id, taskId } = pick(f.leaseId ?? undefined);
        if (taskId) sent.get(taskId)!.failed = true;
        return { ...f, leaseId: id };
      });
      out.extends = m.extends?.map((e) => ({ ...e, leaseId: pick(e.leaseId ?? undefined).leaseId }));
      out.releases = m.releases?.map((r) => ({ ...r, leaseId: pick(r.leaseId ?? undefined).leaseId }));
      return out;
    };

    const runOne = async (steps: Step[]): Promise<void> => {
      const call = raw.makeBidiStreamRequest<Buffer, Buffer>(
        '/codeq.v1.WorkerService/Claim',
        (b) => b,
        (b) => b,
      );
      let ended = false;
      const mine: Given[] = [];
      call.on('data', (bytes: Buffer) => {
        for (const lease of deserialize(bytes).leases) {
          const taskId = lease.task?.id ?? '';
          received.push({ leaseId: lease.leaseId ?? '', taskId });
          mine.push({ leaseId: lease.leaseId ?? '', taskId });
          const entry = sent.get(taskId);
          if (entry) entry.leases++;
        }
      });
      call.on('error', () => {});
      call.on('status', () => (ended = true));
      for (const st of steps) {
        if (ended) break;
        call.write('bytes' in st ? Buffer.from(st.bytes) : serialize(resolve(st.message, mine)));
        // Lets leases and outcomes come back, so later steps can settle what this stream was given.
        await new Promise((r) => setTimeout(r, 10));
      }
      // Half-close and read to the server's end, so every lease it sent is counted here: a
      // cancel could drop a lease already on the wire, whose attempt the server counted.
      if (!ended) call.end();
      const deadline = Date.now() + 2_000;
      while (!ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      call.cancel();
      // A bad stream ends that stream only: the server process is still up.
      expect(s.child.exitCode).toBeNull();
    };

    await fc.assert(
      fc.asyncProperty(sequence, async (steps) => runOne(steps)),
      { numRuns: RUNS },
    );
    expect(s.child.exitCode).toBeNull();

    const states = new Map<string, number>();
    // The sentinels are exactly as enqueued.
    for (const { taskId } of sentinels) {
      const task = await producer.getTask(sentinelQueue, taskId);
      expect(task).toMatchObject({ state: 'PENDING', attempt: 0 });
    }
    // Each fuzzed task changed only as the valid settles sent for it allow.
    for (const { taskId } of fuzzed) {
      const task = await producer.getTask(fuzzQueue, taskId);
      const did = sent.get(taskId)!;
      expect(task.attempt).toBeLessThanOrEqual(did.leases);
      if (task.state === 'COMPLETED') expect(did.results).toContain(task.result.toString('base64'));
      if (task.state === 'DEAD' || task.state === 'SCHEDULED') expect(did.failed).toBe(true);
      expect(['PENDING', 'SCHEDULED', 'LEASED', 'COMPLETED', 'DEAD']).toContain(task.state);
      states.set(task.state, (states.get(task.state) ?? 0) + 1);
    }
    // What the run reached, so a change that makes the fuzz stop short of leasing shows.
    console.log(
      `claim-fuzz: ${received.length} leases given, fuzzed tasks by state:`,
      Object.fromEntries(states),
    );
    expect(received.length).toBeGreaterThan(0);

    // A healthy worker on a queue of its own gets every task at once.
    const healthyQueue = uniqueQueue('healthy');
    const done = new Set<string>();
    const worker = cleanup.worker({
      address: s.address,
      queues: [healthyQueue],
      concurrency: 4,
      handler: async (task) => {
        done.add(task.id);
      },
    });
    await worker.start();
    const healthy = await producer.enqueueBatch(
      Array.from({ length: 50 }, (_, i) => ({ queue: healthyQueue, payload: `h${i}` })),
    );
    await expect.poll(() => done.size, { timeout: 20_000 }).toBe(50);
    expect(done).toEqual(new Set(healthy.map((r) => r.taskId)));
  });
});
