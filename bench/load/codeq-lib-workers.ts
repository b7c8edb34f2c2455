import { Worker } from '../../clients/worker.js';
import { decodeStamp } from '../core/stamp.js';
import type { LeaseRecorder } from './lease-recorder.js';
import type { LoadWorkers, WorkerSpec } from './load-workers.js';

const never = new Promise<never>(() => {});

/**
 * The worker side on the codeQ client library (`clients/Worker`), one Worker per stream:
 * what users run. The library does not report acknowledged completions, so this mode
 * records no end-to-end figure.
 */
export class CodeqLibWorkers implements LoadWorkers {
  readonly #workers: Worker[] = [];
  #held = 0;

  constructor(
    private readonly address: string,
    private readonly spec: WorkerSpec,
    private readonly recorder: LeaseRecorder,
  ) {}

  async start(): Promise<void> {
    const { spec, recorder } = this;
    for (let i = 0; i < spec.streams; i++) {
      this.#workers.push(
        new Worker({
          address: this.address,
          queues: [spec.queue],
          concurrency: spec.concurrency,
          leaseDurationMs: spec.leaseMs,
          workerId: `bench-lib-${process.pid}-${i}`,
          shutdownGraceMs: 0,
          settleTimeoutMs: 2_000,
          logger: { warn: () => {} },
          handler: async (task) => {
            recorder.lease(i, decodeStamp(task.payload));
            if (spec.hold) {
              this.#held++;
              await never;
            }
            if (spec.workMs > 0) await new Promise((r) => setTimeout(r, spec.workMs));
            recorder.slotFreed(i);
          },
        }),
      );
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
