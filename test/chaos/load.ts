import { Producer } from '../../clients/index.js';
import type { EventLog } from './event-log.js';
import { MAX_ATTEMPTS } from './task-plan.js';
import { sleep } from './wait.js';

/** Tasks per EnqueueBatch call. */
const BATCH = 10;
/** Batches in flight at most: during an outage the producer waits instead of piling up calls. */
const MAX_IN_FLIGHT = 20;
/** Ready tasks, in seconds of the rate, above which the producers pause. */
const MAX_BACKLOG_SECONDS = 4;

/**
 * Producers of a chaos run: `rate` tasks a second in batches, each task with an
 * idempotency key, so a batch refused (UNAVAILABLE: the write may have happened) is sent
 * again, to the other server, until acknowledged; every acknowledged task is logged.
 */
export class Load {
  readonly #producers: Producer[];
  #sent = 0;
  #acknowledged = 0;
  #refusals = 0;
  #running = true;
  /** Tasks ready but not yet leased, as last read from Redis; the producers pause while it is high. */
  backlog = 0;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #queue: string;
  readonly #rate: number;
  readonly #log: EventLog;

  constructor(addresses: string[], queue: string, rate: number, log: EventLog) {
    this.#queue = queue;
    this.#rate = rate;
    this.#log = log;
    this.#producers = addresses.map((address) => new Producer({ address }));
  }

  get acknowledged(): number {
    return this.#acknowledged;
  }

  get refusals(): number {
    return this.#refusals;
  }

  /** Tasks whose batch is not acknowledged yet. */
  get pending(): number {
    return this.#sent - this.#acknowledged;
  }

  /** Sends at `rate` until `durationMs` passed, then waits (up to `settleMs`) for the batches in flight. */
  async run(durationMs: number, settleMs: number): Promise<void> {
    const started = Date.now();
    let skipped = 0;
    let last = started;
    while (Date.now() - started < durationMs) {
      const now = Date.now();
      // Workers slower than the rate (a busy machine) would leave a queue the drain cannot
      // empty: the producers pause while the backlog is high, and the run reports the rate reached.
      const paused = this.backlog > MAX_BACKLOG_SECONDS * this.#rate;
      if (paused) skipped += ((now - last) / 1000) * this.#rate;
      last = now;
      let due = Math.floor(((now - started) / 1000) * this.#rate - skipped);
      // What an outage kept from being sent is not sent in one burst afterwards: at most a second's worth.
      if (due - this.#sent > this.#rate) {
        skipped += due - this.#sent - this.#rate;
        due = this.#sent + this.#rate;
      }
      while (!paused && this.#sent + BATCH <= due && this.#inFlight.size < MAX_IN_FLIGHT) {
        const first = this.#sent;
        this.#sent += BATCH;
        const call = this.#send(first).finally(() => this.#inFlight.delete(call));
        this.#inFlight.add(call);
      }
      await sleep(10);
    }
    const deadline = Date.now() + settleMs;
    while (this.#inFlight.size > 0 && Date.now() < deadline) await sleep(50);
    this.#running = false;
    await Promise.all(this.#inFlight);
  }

  /** Enqueues tasks `first`… until acknowledged, alternating servers, while the run lasts. */
  async #send(first: number): Promise<void> {
    const tasks = Array.from({ length: BATCH }, (_, j) => ({
      queue: this.#queue,
      payload: `task ${first + j}`,
      idempotencyKey: `k${first + j}`,
      maxAttempts: MAX_ATTEMPTS,
      retry: { initialBackoffMs: 100, maxBackoffMs: 500, multiplier: 2 },
    }));
    for (let attempt = 0; this.#running; attempt++) {
      const producer = this.#producers[(first / BATCH + attempt) % this.#producers.length]!;
      try {
        const results = await producer.enqueueBatch(tasks, { deadlineMs: 5_000 });
        const t = Date.now();
        results.forEach((r, j) =>
          this.#log.write({ e: 'enq', t, id: r.taskId, key: tasks[j]!.idempotencyKey }),
        );
        this.#acknowledged += BATCH;
        return;
      } catch {
        this.#refusals++;
        await sleep(Math.min(1_000, 50 * 2 ** attempt));
      }
    }
  }

  close(): void {
    for (const p of this.#producers) p.close();
  }
}
