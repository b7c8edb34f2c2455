import type {
  _codeq_v1_ClaimResponse_Lease as LeaseMessage,
  _codeq_v1_ClaimResponse_Outcome as Outcome,
  _codeq_v1_ClaimResponse_Outcome_Kind as OutcomeKind,
} from '../api/generated/codeq/v1/ClaimResponse.js';
import { msToTimestamp } from '../api/time.js';
import { groupBy } from '../domain/group-by.js';
import type { Lease, LeaseRef, SettleResult } from '../domain/task.js';
import type { AbandonedLease } from '../lease-store/lease-store.js';
import { errorOutcomeStatus, settleOutcomeStatus } from './grpc-status.js';
import { HeldLeases } from './held-leases.js';
import { OutcomeBatch } from './outcome-batch.js';
import type { ServerContext } from './server-context.js';
import type { SettleRequest } from './settle-requests.js';

/**
 * A settle of a lease with less time left than this (ms) goes to the store with its own
 * turn, never held over for company (StoreCalls' `settleHoldMs`).
 */
const NEAR_DEADLINE_MS = 1_000;

/** A lease this stream holds: where it is, and the deadline the stream last knew. */
type HeldLease = LeaseRef & { deadline: number };

/** How one settle ended: the store's answer, or the error that kept it from answering. */
type SettleOutcome = { leaseId: string; kind: OutcomeKind & string } & (
  { ref: LeaseRef; result: SettleResult } | { error: unknown }
);

/** The stream whose leases a {@link StreamLeases} keeps, as its failed settles are logged. */
export interface LeaseHolder {
  readonly id: string;
  readonly workerId: string;
}

/**
 * The leases one Claim stream sent and its worker has not settled on it, until each
 * leaves: settled (every settle answered with exactly one outcome, a turn's outcomes in
 * one message), given back unsent (attempt not counted), or, when the stream ends, left
 * to wait out the reconnect grace, for the worker to settle on a stream it opens again.
 */
export class StreamLeases {
  /** Leases sent on this stream and not settled here, by lease id. */
  readonly #outstanding = new HeldLeases<HeldLease>();
  /** Settles received and not yet answered. */
  #settling = 0;
  /** Outcomes of this turn, sent as one message. */
  readonly #outcomes: OutcomeBatch;
  readonly #ctx: ServerContext;
  readonly #stream: LeaseHolder;
  readonly #answered: () => void;

  /**
   * `sendOutcomes` writes a turn's outcomes as one message; `answered` runs after each
   * settle is answered (the stream may have drained).
   */
  constructor(
    ctx: ServerContext,
    stream: LeaseHolder,
    sendOutcomes: (outcomes: Outcome[]) => void,
    answered: () => void,
  ) {
    this.#ctx = ctx;
    this.#stream = stream;
    this.#outcomes = new OutcomeBatch(sendOutcomes);
    this.#answered = answered;
  }

  /** Leases held, not yet settled. */
  get size(): number {
    return this.#outstanding.size;
  }

  /** Settles received and not yet answered. */
  get settling(): number {
    return this.#settling;
  }

  /** Holds a lease sent to the worker as `leaseId`. */
  sent(leaseId: string, lease: Lease): void {
    this.#outstanding.set(leaseId, {
      queue: lease.task.queue,
      taskId: lease.task.id,
      token: lease.token,
      nonce: lease.nonce,
      deadline: lease.deadline,
    });
  }

  /**
   * Runs a settle with this turn's batch of its queue, or refuses it at once; either way
   * it is answered with exactly one outcome. `goesOn`: the worker granted credit with it,
   * so it does not wait for the outcome, and a complete, fail or release of a lease with
   * time left may wait for a later batch.
   */
  settle(request: SettleRequest, goesOn = false): void {
    if ('refused' in request) {
      this.#outcomes.add({
        leaseId: request.leaseId,
        kind: request.kind,
        ...errorOutcomeStatus(request.refused, this.#ctx.logger),
      });
      return;
    }
    const { leaseId, kind, ref } = request;
    this.#settling++;
    const mayWait = goesOn && kind !== 'EXTEND' && this.#timeLeft(leaseId) > NEAR_DEADLINE_MS;
    this.#ctx.settler.settle(ref.queue, request.op, mayWait).then(
      (result) => this.#settled({ leaseId, kind, ref, result }),
      (error: unknown) => this.#settled({ leaseId, kind, error }),
    );
  }

  /** Time left on a lease this stream holds, in ms; 0 for one it does not hold. */
  #timeLeft(leaseId: string): number {
    const held = this.#outstanding.get(leaseId);
    return held ? held.deadline - Date.now() : 0;
  }

  /** Answers a settle with its one outcome: the store's answer, or the error that kept it from answering. */
  #settled(outcome: SettleOutcome): void {
    this.#settling--;
    const { leaseId, kind } = outcome;
    if ('error' in outcome) {
      const fields = { session: this.#stream.id, worker: this.#stream.workerId, leaseId };
      this.#outcomes.add({ leaseId, kind, ...errorOutcomeStatus(outcome.error, this.#ctx.logger, fields) });
    } else {
      const { result, ref } = outcome;
      // An extend's new deadline, or the one a lease at its max age keeps.
      const deadline = result.deadline;
      if (result.status === 'ok') {
        if (kind !== 'EXTEND') this.#outstanding.delete(leaseId);
        // An extend here makes this stream the lease's holder, with the deadline it now
        // knows: a worker that came back on this stream keeps it if its old stream ends.
        else if (deadline !== undefined) this.#outstanding.set(leaseId, { ...ref, deadline });
      }
      this.#outcomes.add({
        leaseId,
        kind,
        ...settleOutcomeStatus(result),
        ...(deadline !== undefined && { deadline: msToTimestamp(deadline) }),
      });
    }
    this.#answered();
  }

  /** Releases leases this stream got but will not send (attempt not counted). */
  giveBack(leases: Lease[], messages: LeaseMessage[]): void {
    for (const m of messages) this.#outstanding.delete(m.leaseId!);
    const first = leases[0];
    if (!first) return;
    const ops = leases.map((l) => ({
      kind: 'release' as const,
      taskId: l.task.id,
      token: l.token,
      nonce: l.nonce,
    }));
    this.#ctx.store.settle(first.task.queue, ops).catch((err: unknown) => {
      this.#ctx.logger.warn(
        'could not give back leases a full buffer kept from a stream; they come back at their deadline',
        {
          queue: first.task.queue,
          error: err,
        },
      );
    });
  }

  /** Leases still out on an ended stream wait out the reconnect grace, then go back to their queue. */
  abandon(): void {
    if (this.#outstanding.size === 0) return;
    const byQueue = groupBy(this.#outstanding.values(), (ref) => ref.queue);
    this.#outstanding.clear();
    for (const [queue, held] of byQueue) {
      const leases: AbandonedLease[] = held.map(({ taskId, token, deadline }) => ({
        taskId,
        token,
        deadline,
      }));
      this.#ctx.store.abandon(queue, leases, this.#ctx.config.leaseReconnectGraceMs).catch((err: unknown) => {
        this.#ctx.logger.warn(
          'could not shorten the leases of a closed stream; they come back at their deadline',
          {
            queue,
            error: err,
          },
        );
      });
    }
  }
}
