/**
 * What the Worker library itself costs per task, apart from grpc-js, the network and the
 * server: one Worker whose Claim call is a stand-in in this process, answering every
 * credit with leases at the next turn and every complete with its outcome in a message of
 * its own a turn later (as a server serving read-ahead leases does). Prints CPU µs per task
 * and the tasks a second this loop reaches; the handler does nothing. Run it before and
 * after a change of `clients/`, alternately, on the same machine.
 *
 *   npm run build && node dist/bench/tools/worker-cost.js [tasks, default 200000] [prefetch, default 0] [concurrency, default 1]
 */
import { EventEmitter } from 'node:events';
import type { ClaimRequest } from '../../src/api/generated/codeq/v1/ClaimRequest.js';
import type {
  ClaimResponse__Output,
  _codeq_v1_ClaimResponse_Lease__Output as Lease,
} from '../../src/api/generated/codeq/v1/ClaimResponse.js';
import { codeqProto } from '../../src/api/proto.js';
import { Worker } from '../../clients/worker.js';
import { toolArgs } from './tool-args.js';

const [tasks, prefetch, concurrency] = toolArgs(
  'worker-cost',
  [
    { name: 'tasks', default: '200000', kind: 'count' },
    { name: 'prefetch', default: '0', kind: 'count', min: 0 },
    { name: 'concurrency', default: '1', kind: 'count' },
  ],
  'What the Worker library itself costs per task, its Claim call a stand-in in this process:\n' +
    'CPU µs per task and tasks per second, with an empty handler.',
).map(Number) as [number, number, number];
/** Tasks run before measuring, so the JIT has settled. */
const WARMUP = Math.min(20_000, Math.floor(tasks / 5));

const payload = Buffer.alloc(100, 1);
let leased = 0;

function lease(): Lease {
  const n = leased++;
  return {
    leaseId: `lease-${n}`,
    deadline: { seconds: 2_000_000_000, nanos: 0 },
    task: {
      id: `task-${n}`,
      queue: 'q',
      payload,
      priority: 0,
      attempt: 1,
      maxAttempts: 5,
      headers: {},
      enqueueTime: { seconds: 1_700_000_000, nanos: 0 },
      state: 'LEASED',
      lastError: '',
      result: Buffer.alloc(0),
      fairnessKey: '',
      history: [],
    },
  };
}

function response(part: Partial<ClaimResponse__Output>): ClaimResponse__Output {
  return { leases: [], outcomes: [], ...part };
}

/** Just what the Worker uses of a grpc-js ClientDuplexStream. */
class StandInCall extends EventEmitter {
  write(message: ClaimRequest): boolean {
    setImmediate(() => {
      if (message.open)
        this.emit('data', response({ opened: { sessionId: 's', leaseDuration: { seconds: 60, nanos: 0 } } }));
      const leases = Array.from({ length: message.credit ?? 0 }, lease);
      if (leases.length > 0) this.emit('data', response({ leases }));
      const outcomes = (message.completes ?? []).map((c) => ({
        leaseId: c.leaseId ?? '',
        kind: 'COMPLETE' as const,
        code: 0,
        message: '',
      }));
      if (outcomes.length > 0) setImmediate(() => this.emit('data', response({ outcomes })));
    });
    return true;
  }
  end(): void {
    setImmediate(() => this.emit('status', { code: 0, details: '', metadata: undefined }));
  }
  cancel(): void {
    this.emit('status', { code: 1, details: 'cancelled', metadata: undefined });
  }
}

// The one seam: every Claim call of this process goes to the stand-in.
(codeqProto().codeq.v1.WorkerService.prototype as unknown as { Claim: () => StandInCall }).Claim = () =>
  new StandInCall();

let settled = 0;
let startedAt = 0;
let cpuBefore: NodeJS.CpuUsage | undefined;
let resolve = (): void => {};
const finished = new Promise<void>((r) => (resolve = r));
const worker = new Worker({
  address: '127.0.0.1:1',
  queues: ['q'],
  concurrency,
  prefetch,
  logger: { warn: () => {} },
  handler: () => Promise.resolve(),
});
worker.on('settled', () => {
  settled++;
  if (settled === WARMUP) {
    startedAt = performance.now();
    cpuBefore = process.cpuUsage();
  }
  if (settled === tasks) resolve();
});
await worker.start();
await finished;
const elapsedMs = performance.now() - startedAt;
const cpu = process.cpuUsage(cpuBefore);
const measured = tasks - WARMUP;
console.log(
  JSON.stringify({
    concurrency,
    prefetch,
    tasks: measured,
    cpuUsPerTask: Number(((cpu.user + cpu.system) / measured).toFixed(2)),
    tasksPerS: Math.round((measured * 1000) / elapsedMs),
  }),
);
await worker.stop();
