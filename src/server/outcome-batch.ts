import type { _codeq_v1_ClaimResponse_Outcome as Outcome } from '../api/generated/codeq/v1/ClaimResponse.js';

/**
 * Gathers the outcomes a stream answers in one turn of the event loop into one message:
 * a worker that settles fifty leases in one request gets one response, not fifty.
 */
export class OutcomeBatch {
  #outcomes: Outcome[] = [];
  #queued = false;
  readonly #send: (outcomes: Outcome[]) => void;

  constructor(send: (outcomes: Outcome[]) => void) {
    this.#send = send;
  }

  add(outcome: Outcome): void {
    this.#outcomes.push(outcome);
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      const outcomes = this.#outcomes;
      this.#outcomes = [];
      this.#send(outcomes);
    });
  }
}
