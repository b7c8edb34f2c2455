import type {
  ClaimRequest,
  _codeq_v1_ClaimRequest_Complete as Complete,
  _codeq_v1_ClaimRequest_Extend as Extend,
  _codeq_v1_ClaimRequest_Fail as Fail,
  _codeq_v1_ClaimRequest_Release as Release,
} from '../src/api/generated/codeq/v1/ClaimRequest.js';
import { msToDuration } from '../src/api/time.js';

/** A settle that ends a lease; the server answers each with exactly one outcome. */
export type TerminalSettle =
  | { kind: 'COMPLETE'; taskId: string | undefined; request: Complete }
  | { kind: 'FAIL'; taskId: string | undefined; request: Fail }
  | { kind: 'RELEASE'; taskId: string | undefined; request: Release };

/** Soft cap on the result and error bytes of one ClaimRequest, far under gRPC's 4 MiB default. */
export const MAX_BATCH_BYTES = 1024 * 1024;

/**
 * The settles a worker still owes the server, whatever stream is open.
 *
 * Settles wait here until a stream can take them, are batched into as few ClaimRequests
 * as possible, and stay remembered after writing until their outcome arrives. If the
 * stream dies first they are sent again on the next one: a lease belongs to the task, not
 * the stream, and a repeated settle of a settled lease is answered OK, so resending is safe
 * where dropping would leave the task to time out and run again.
 */
export class SettleOutbox {
  /** Terminal settles not yet written, one per lease, oldest first. */
  #queued = new Map<string, TerminalSettle>();
  /** Extensions not yet written; a newer one for the same lease replaces the older. */
  readonly #extends = new Map<string, Extend>();
  /** Terminal settles written on the current stream whose outcome has not arrived. */
  readonly #unacked = new Map<string, TerminalSettle>();
  /** Terminal settles the server could not apply for a passing reason; sent again by {@link resumeDeferred}. */
  readonly #deferred = new Map<string, TerminalSettle>();

  complete(leaseId: string, result: Buffer | undefined, taskId?: string): void {
    this.#queue({ kind: 'COMPLETE', taskId, request: result ? { leaseId, result } : { leaseId } });
  }

  fail(leaseId: string, error: string, permanent: boolean, retryDelayMs?: number, taskId?: string): void {
    const request: Fail = { leaseId, error };
    if (permanent) request.permanent = true;
    if (retryDelayMs !== undefined) request.retryDelay = msToDuration(retryDelayMs);
    this.#queue({ kind: 'FAIL', taskId, request });
  }

  release(leaseId: string, taskId?: string): void {
    this.#queue({ kind: 'RELEASE', taskId, request: { leaseId } });
  }

  extend(leaseId: string, extensionMs: number): void {
    this.#extends.set(leaseId, { leaseId, extension: msToDuration(extensionMs) });
  }

  /** Forgets a queued extension: its lease is gone, and extending it would only earn a refusal. */
  dropExtend(leaseId: string): void {
    this.#extends.delete(leaseId);
  }

  /** True when every terminal settle has been written and acknowledged. Extensions do not count. */
  get settled(): boolean {
    return this.unsettledCount === 0;
  }

  /** Terminal settles queued, awaiting their outcome, or deferred. */
  get unsettledCount(): number {
    return this.#queued.size + this.#unacked.size + this.#deferred.size;
  }

  /**
   * The next ClaimRequest to write: `credit` plus as many settles as fit in
   * {@link MAX_BATCH_BYTES} (at least one). Undefined when there is nothing to say.
   * Terminal settles taken here count as unacknowledged until {@link ack}.
   */
  take(credit: number, maxBytes = MAX_BATCH_BYTES): ClaimRequest | undefined {
    if (credit <= 0 && this.#queued.size === 0 && this.#extends.size === 0) return undefined;
    const message: ClaimRequest = {};
    if (credit > 0) message.credit = credit;
    let bytes = 0;
    let count = 0;
    for (const [leaseId, settle] of this.#queued) {
      const size = settleBytes(settle);
      if (count > 0 && bytes + size > maxBytes) break;
      bytes += size;
      count++;
      this.#queued.delete(leaseId);
      this.#unacked.set(leaseId, settle);
      switch (settle.kind) {
        case 'COMPLETE':
          (message.completes ??= []).push(settle.request);
          break;
        case 'FAIL':
          (message.fails ??= []).push(settle.request);
          break;
        case 'RELEASE':
          (message.releases ??= []).push(settle.request);
          break;
      }
    }
    // Extensions are tiny; they ride along with whatever else this message carries.
    if (this.#extends.size > 0) {
      message.extends = [...this.#extends.values()];
      this.#extends.clear();
    }
    return message;
  }

  /** Records the outcome of a terminal settle; returns the settle, or undefined if none was awaited. */
  ack(leaseId: string): TerminalSettle | undefined {
    const settle = this.#unacked.get(leaseId);
    this.#unacked.delete(leaseId);
    return settle;
  }

  /**
   * The outcome said "not now" (the store was unavailable): keeps the settle to send again
   * at {@link resumeDeferred}. The lease still stands, so a later attempt can succeed.
   */
  defer(leaseId: string): boolean {
    const settle = this.#unacked.get(leaseId);
    if (!settle) return false;
    this.#unacked.delete(leaseId);
    this.#deferred.set(leaseId, settle);
    return true;
  }

  /** Queues every deferred settle again. */
  resumeDeferred(): void {
    for (const [leaseId, settle] of this.#deferred)
      if (!this.#queued.has(leaseId)) this.#queued.set(leaseId, settle);
    this.#deferred.clear();
  }

  /** The stream died: settles whose outcome never came go out again, ahead of newer ones. */
  requeueUnacked(): void {
    if (this.#unacked.size === 0) return;
    this.#queued = new Map([...this.#unacked, ...this.#queued]);
    this.#unacked.clear();
  }

  #queue(settle: TerminalSettle): void {
    const leaseId = settle.request.leaseId ?? '';
    // An extension behind the end of its lease would come back as a spurious lost lease.
    this.#extends.delete(leaseId);
    this.#queued.set(leaseId, settle);
  }
}

function settleBytes(settle: TerminalSettle): number {
  const base = 64 + (settle.request.leaseId?.length ?? 0);
  switch (settle.kind) {
    case 'COMPLETE':
      return base + (settle.request.result?.length ?? 0);
    case 'FAIL':
      return base + (settle.request.error?.length ?? 0);
    case 'RELEASE':
      return base;
  }
}
