import type { Lease } from '../domain/task.js';
import type { ClaimPathTracer } from '../telemetry/claim-path-tracer.js';
import type { DispatchTrace } from '../telemetry/dispatch-trace.js';
import type { CodeqMetrics } from '../telemetry/codeq-metrics.js';
import { nowMs } from '../spans/span-helpers.js';
import { setLongTimeout } from '../domain/long-timeout.js';
import type { Consumer } from './contracts.js';
import type { QueueState } from './queue-state.js';
import { ReadAheadBuffer, type ReadAheadOptions } from './read-ahead.js';

/** What {@link HeldLeases} needs of the dispatcher it serves. */
export interface HeldLeasesHost {
  readonly readAhead: ReadAheadOptions;
  readonly tracer: ClaimPathTracer | undefined;
  readonly metrics: CodeqMetrics | undefined;
  /** The state of a queue the dispatcher knows. */
  queue(name: string): QueueState | undefined;
  /** Whether the consumer is still served (its stream has not ended). */
  isOpen(consumer: Consumer): boolean;
  /** Room a consumer has for leases not yet reserved by claims in flight. */
  free(consumer: Consumer): number;
  stopped(): boolean;
  /** Leases back to their queue, attempt not counted. */
  giveBack(queue: string, leases: Lease[]): Promise<void>;
  /** Drops a queue's state once nothing needs it. */
  forgetIfIdle(state: QueueState): void;
}

/**
 * The leases a dispatcher claimed ahead of demand (read-ahead.ts holds them per queue):
 * how many a claim takes ahead, dealing them to consumers with room without a store
 * call, and giving back the ones that outstay their hold.
 */
export class HeldLeases {
  readonly #host: HeldLeasesHost;
  /** Consumers whose capacity grew in this task of the event loop, while leases were held for a queue of theirs. */
  readonly #grew = new Set<Consumer>();
  /** When the first of them grew (ms, tracing on only): the start of their dispatch spans. */
  #grewAt = 0;
  /** The dispatch whose claim took each lease held (tracing on only): its delivery links to it. */
  readonly #claims = new WeakMap<Lease, DispatchTrace>();

  constructor(host: HeldLeasesHost) {
    this.#host = host;
  }

  /** Whether leases of the queue `name` are held ahead of demand: its streams are served from them. */
  holdsAny(name: string): boolean {
    return (this.#host.queue(name)?.held?.size ?? 0) > 0;
  }

  /** How many leases of `leaseMs` a claim of `state` for waiting streams should take ahead of demand. */
  aheadOf(state: QueueState, leaseMs: number, now: number): number {
    if (this.#host.readAhead.max === 0 || !state.backlog) return 0;
    state.held ??= new ReadAheadBuffer(leaseMs, this.#host.readAhead);
    return state.held.leaseMs === leaseMs ? state.held.room(now) : 0;
  }

  /**
   * Leases held ahead of demand need no store call, so a consumer whose capacity grew gets
   * them at the end of this task of the event loop (the credits of one socket read
   * gathered) rather than at the store calls' turn, a check-phase callback: a lease written
   * there reached the socket one loop iteration later, behind what that iteration's poll
   * phase wrote first, such as the outcome of the worker's previous settle (measured at one
   * slot: the lease left after the Redis round trip of that settle). The dispatcher's pass
   * still deals what is held to every other consumer with room.
   */
  serveSoon(consumer: Consumer): void {
    if (!consumer.queues.some((name) => this.holdsAny(name))) return;
    this.#grew.add(consumer);
    if (this.#grew.size > 1) return;
    if (this.#host.tracer) this.#grewAt = nowMs();
    queueMicrotask(() => {
      const grew = [...this.#grew];
      this.#grew.clear();
      if (this.#host.stopped()) return;
      const now = Date.now();
      for (const c of grew) {
        if (!this.#host.isOpen(c)) continue; // its stream ended meanwhile
        for (const name of c.queues) {
          const state = this.#host.queue(name);
          const held = state?.held;
          if (!state || !held || held.size === 0 || held.leaseMs !== c.leaseMs) continue;
          if (!this.#deal(state, held, c, now, this.#grewAt)) break;
        }
      }
    });
  }

  /**
   * Deals the queue's held leases to its consumers with room, round-robin from a rotating
   * start; true when it dealt any. `requestedAt` starts their dispatch spans.
   */
  serve(state: QueueState, now: number, requestedAt: number): boolean {
    const held = state.held;
    if (!held || held.size === 0) return false;
    let dealt = false;
    const consumers = state.ready.take(
      held.size,
      (c) => this.#host.free(c) > 0,
      (c) => c.leaseMs === held.leaseMs,
    );
    for (const consumer of consumers) {
      if (held.size === 0) break;
      if (this.#deal(state, held, consumer, now, requestedAt)) dealt = true;
    }
    return dealt;
  }

  /** Keeps leases claimed beyond what streams reserved, or gives them back when read-ahead cannot take them. */
  hold(state: QueueState, leaseMs: number, leases: Lease[], dispatch: DispatchTrace | undefined): void {
    if (leases.length === 0) return;
    const held = state.held;
    if (this.#host.stopped() || !held || held.leaseMs !== leaseMs) {
      void this.#host.giveBack(state.name, leases);
      return;
    }
    if (dispatch) for (const lease of leases) this.#claims.set(lease, dispatch);
    held.add(leases, Date.now());
    this.#arm(state, held);
  }

  /** Deals a consumer as many held leases as it has room for; false when it has none. */
  #deal(
    state: QueueState,
    held: ReadAheadBuffer,
    consumer: Consumer,
    now: number,
    requestedAt: number,
  ): boolean {
    const free = this.#host.free(consumer);
    if (free <= 0) return false;
    const leases = held.take(free, now);
    const dispatch = this.#host.tracer?.startDispatch(
      state.name,
      leases.length,
      requestedAt || nowMs(),
      this.#claimedBy(leases),
    );
    consumer.deliver(state.name, leases, dispatch);
    dispatch?.end(leases.length);
    this.#host.metrics?.leased(state.name, leases, held.leaseMs);
    return true;
  }

  /** The dispatches whose store claims took `leases` (read ahead), once each. */
  #claimedBy(leases: readonly Lease[]): DispatchTrace[] {
    const traces = new Set<DispatchTrace>();
    for (const lease of leases) {
      const trace = this.#claims.get(lease);
      if (trace) traces.add(trace);
    }
    return [...traces];
  }

  /** Gives back, when the oldest lease held outstays its hold, what did. */
  #arm(state: QueueState, held: ReadAheadBuffer): void {
    const at = held.nextExpiry;
    if (at === undefined || state.holdTimer !== undefined || this.#host.stopped()) return;
    state.holdTimer = setLongTimeout(() => {
      state.holdTimer = undefined;
      const stale = held.expired(Date.now());
      if (stale.length > 0) void this.#host.giveBack(state.name, stale);
      this.#arm(state, held);
      this.#host.forgetIfIdle(state);
    }, at - Date.now()).unref();
  }
}
