import type { LongTimeout } from '../domain/long-timeout.js';
import type { Consumer } from './contracts.js';
import type { ReadAheadBuffer } from './read-ahead.js';
import { ReadyRing } from './ready-ring.js';

/** What the dispatcher knows of one queue that has consumers, claims in flight or timers here. */
export interface QueueState {
  readonly name: string;
  readonly consumers: Set<Consumer>;
  /** Its consumers that may have room, in serving order: what a claim walks instead of `consumers`. */
  readonly ready: ReadyRing<Consumer>;
  /**
   * How many tasks may be ready: 0 once a claim came back short; the count an enqueue here
   * made ready; Infinity when unknown (a wake from another replica, a due timer, a claim
   * that left more). A claim asks for no more than this, so one new task costs a claim of
   * one consumer, not a walk of a whole claim's worth of streams.
   */
  readyHint: number;
  /** Bumped by every ready signal, so a claim that started before one cannot clear `readyHint`. */
  wakeGen: number;
  /** Claims in flight for this queue. */
  inflight: number;
  /** Leases those claims asked for. */
  inflightLeases: number;
  /** The store-call turn (`Dispatcher.#turnCount`) its newest claim started in. */
  claimTurn: number;
  /** The due timer: a task's delay or retry delay feeds it, so it may be months long. */
  timer: LongTimeout | undefined;
  timerAt: number;
  /** The last claim found more ready tasks than it took: the queue has a backlog. */
  backlog: boolean;
  /** Leases claimed ahead of demand, when read-ahead is on and the queue has had a backlog. */
  held: ReadAheadBuffer | undefined;
  /** Gives back held leases that outstayed their hold (held-leases.ts). */
  holdTimer: LongTimeout | undefined;
}

/** A queue the dispatcher has just heard of: it may hold ready tasks. */
export function newQueueState(name: string): QueueState {
  return {
    name,
    consumers: new Set(),
    ready: new ReadyRing(),
    readyHint: Infinity,
    wakeGen: 0,
    inflight: 0,
    inflightLeases: 0,
    claimTurn: 0,
    timer: undefined,
    timerAt: Infinity,
    backlog: false,
    held: undefined,
    holdTimer: undefined,
  };
}

/** Nothing keeps the queue's state: no consumer, no claim in flight, no timer, nothing held. */
export function isIdle(state: QueueState): boolean {
  return (
    state.consumers.size === 0 &&
    state.inflight === 0 &&
    state.timer === undefined &&
    (state.held?.size ?? 0) === 0
  );
}
