import { setLongTimeout, type LongTimeout } from '../src/domain/long-timeout.js';

/** What the extender needs to know of one running handler's lease. */
export interface ExtendableLease {
  readonly leaseId: string;
  /** What each automatic extension asks for, in ms: the lease duration of its stream. */
  readonly leaseMs: number;
  /** When the next automatic extension is due (local clock, ms since the epoch). */
  nextExtendAt: number;
  /** Lost leases are never extended again. */
  readonly lost: boolean;
}

/**
 * Keeps the leases of running handlers alive with one timer for all of them, due when the
 * earliest needs extending. Each extension asks for a full lease and comes again after
 * half of one, so one lost message or a slow round trip never lets a lease run out under
 * a running handler. Local receive time, not the server's deadline, sets the pace: it errs
 * early, and needs no agreement between the clocks. The timer stays armed when the last
 * lease ends (it fires once, finds nothing due and leaves none behind): stopping and
 * re-arming it would cost a timer for every task of a worker that runs one at a time.
 */
export class LeaseExtender {
  #timer: LongTimeout | undefined;
  #timerAt = Infinity;
  readonly #leases: () => Iterable<ExtendableLease>;
  readonly #extend: (lease: ExtendableLease, extensionMs: number) => void;

  constructor(
    leases: () => Iterable<ExtendableLease>,
    extend: (lease: ExtendableLease, extensionMs: number) => void,
  ) {
    this.#leases = leases;
    this.#extend = extend;
  }

  /** A lease was added or its next extension moved; re-arms only if it is now the earliest. */
  scheduled(lease: ExtendableLease): void {
    if (lease.nextExtendAt < this.#timerAt) this.rearm();
  }

  /** Re-arms for the earliest due lease; with none, leaves no timer behind. */
  rearm(): void {
    this.stop();
    let next = Infinity;
    for (const lease of this.#leases()) if (!lease.lost) next = Math.min(next, lease.nextExtendAt);
    if (next === Infinity) return;
    this.#timerAt = next;
    this.#timer = setLongTimeout(() => this.#due(), next - Date.now());
  }

  stop(): void {
    this.#timer?.clear();
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #due(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = Date.now();
    for (const lease of this.#leases()) {
      if (lease.lost || lease.nextExtendAt > now) continue;
      lease.nextExtendAt = now + lease.leaseMs / 2;
      this.#extend(lease, lease.leaseMs);
    }
    this.rearm();
  }
}
