import { Worker } from '../../clients/worker.js';
import { decodeStamp, type Stamp } from '../core/stamp.js';
import type { LeaseRecorder } from './lease-recorder.js';
import type { LoadWorkers, WorkerSpec } from './load-workers.js';
import { streamQueue } from './queue-spread.js';

const never = new Promise<never>(() => {});

/**
 * The worker side on the codeQ client library (`clients/Worker`), one Worker per stream:
 * what users run. A completion counts once the server acknowledged it (the Worker's
 * `settled` event), as with raw streams, so throughput and end to end mean the same here.
 */
export class CodeqLibWorkers implements LoadWorkers {
  readonly #workers: Worker[] = [];
  /** Stamps of leases whose completion is not yet acknowledged, by lease id. */
  readonly #stamps = new Map<string, Stamp | undefined>();
  #held = 0;
  readonly #address: string;
  readonly #spec: WorkerSpec;
  readonly #recorder: LeaseRecorder;

  constructor(address: string, spec: WorkerSpec, recorder: LeaseRecorder) {
    this.#address = address;
    this.#spec = spec;
    this.#recorder = recorder;
  }

  async start(): Promise<void> {
    const spec = this.#spec;
    const recorder = this.#recorder;
    for (let i = 0; i < spec.streams; i++) {
      const worker = new Worker({
        address: this.#address,
        queues: [streamQueue(spec, i)],
        concurrency: spec.concurrency,
        prefetch: spec.prefetch ?? 0,
        leaseDurationMs: spec.leaseMs,
        workerId: `bench-lib-${process.pid}-${i}`,
        shutdownGraceMs: 0,
        settleTimeoutMs: 2_000,
        logger: { warn: () => {} },
        handler: async (task) => {
          const stamp = decodeStamp(task.payload);
          this.#stamps.set(task.leaseId, stamp);
          recorder.lease(i, stamp);
          if (spec.hold) {
            this.#held++;
            await never;
          }
          if (spec.workMs > 0) await new Promise((r) => setTimeout(r, spec.workMs));
          recorder.slotFreed(i);
        },
      });
      worker.on('settled', ({ leaseId, kind }) => {
        const stamp = this.#stamps.get(leaseId);
        this.#stamps.delete(leaseId);
        if (kind === 'COMPLETE') recorder.completed(stamp);
      });
      this.#workers.push(worker);
    }
    await Promise.all(this.#workers.map((w) => w.start()));
  }

  held(): number {
    return this.#held;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.stop()));
  }
}
