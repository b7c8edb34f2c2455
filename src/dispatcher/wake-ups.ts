import type { LeaseStore } from '../lease-store/lease-store.js';
import { MAX_TIMER_STEP_MS, setLongTimeout } from '../domain/long-timeout.js';
import type { QueueState } from './queue-state.js';

/**
 * Every this many sweeps (5 min at the default interval) the sweep claims every known
 * queue: a backstop for a due-index entry lost with a replica that died between a queue's
 * script and its note.
 */
const FULL_SWEEP_EVERY = 60;

/** What {@link WakeUps} needs of the dispatcher it wakes. */
export interface WakeUpsHost {
  /** The queues the dispatcher knows, by name. */
  readonly queues: ReadonlyMap<string, QueueState>;
  /** The state of a queue, made when the dispatcher did not know it yet. */
  queue(name: string): QueueState;
  stopped(): boolean;
  /** Whether a consumer of the queue has room for a lease now. */
  hasCapacity(state: QueueState): boolean;
  /** Asks for a pass at the next turn of the store calls. */
  schedulePass(): void;
  /** Claims nothing from the queue, only reaps it: its expired leases go back, its due tasks become ready. */
  reap(state: QueueState): void;
}

/**
 * What tells the dispatcher that a queue may hold ready tasks: the store's ready signals
 * (an enqueue here, a wake published by another replica), a timer at each queue's next
 * due instant, and the safety sweep over the known queues. There is no polling besides
 * the sweep: a queue no signal names is not claimed.
 */
export class WakeUps {
  readonly #host: WakeUpsHost;
  readonly #store: LeaseStore;
  readonly #sweep: NodeJS.Timeout;
  #sweeps = 0;

  /** Listens to the store and starts the sweep, every `sweepIntervalMs`. */
  constructor(store: LeaseStore, sweepIntervalMs: number, host: WakeUpsHost) {
    this.#host = host;
    this.#store = store;
    store.listen({
      ready: (queue, count) => this.#signalReady(queue, count),
      due: (queue, inMs) => this.arm(host.queue(queue), inMs),
    });
    // An interval past what Node's timers hold would fire every millisecond.
    this.#sweep = setInterval(() => this.#sweepQueues(), Math.min(sweepIntervalMs, MAX_TIMER_STEP_MS));
    this.#sweep.unref();
  }

  /** Stops the sweep and every queue's due timer. */
  stop(): void {
    clearInterval(this.#sweep);
    for (const state of this.#host.queues.values()) state.timer?.clear();
  }

  /** Wakes the queue in `inMs` (a due task, a retry after a failed claim), unless its timer fires sooner. */
  arm(state: QueueState, inMs: number): void {
    if (this.#host.stopped()) return;
    const at = Date.now() + Math.max(0, inMs);
    if (state.timer !== undefined && state.timerAt <= at) return;
    state.timer?.clear();
    state.timerAt = at;
    state.timer = setLongTimeout(() => this.#timerFired(state), inMs).unref();
  }

  #signalReady(name: string, count = Infinity): void {
    const state = this.#host.queues.get(name);
    if (!state) return; // no consumer of this queue here, and no timer to honour
    state.wakeGen++;
    state.readyHint += count;
    if (state.consumers.size > 0) this.#host.schedulePass();
  }

  #timerFired(state: QueueState): void {
    state.timer = undefined;
    state.timerAt = Infinity;
    this.#wakeForMaintenance(state);
  }

  /** Something may have fallen due: claim if a consumer waits, else only reap, so other replicas hear of it. */
  #wakeForMaintenance(state: QueueState): void {
    state.wakeGen++;
    state.readyHint = Infinity;
    if (this.#host.hasCapacity(state)) {
      this.#host.schedulePass();
    } else if (state.inflight === 0) {
      this.#host.reap(state);
    }
  }

  /**
   * The safety sweep: claims the known queues that the store says have due work (its cost
   * follows those, not every queue), and every known queue each FULL_SWEEP_EVERY-th time
   * or when the store cannot say.
   */
  #sweepQueues(): void {
    const sweep = (due?: ReadonlySet<string>): void => {
      for (const state of this.#host.queues.values()) {
        if (state.consumers.size > 0 && (!due || due.has(state.name))) this.#wakeForMaintenance(state);
      }
    };
    if (!this.#store.dueQueues || ++this.#sweeps % FULL_SWEEP_EVERY === 0) sweep();
    else this.#store.dueQueues().then(sweep, () => sweep());
  }
}
