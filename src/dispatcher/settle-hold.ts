/** Most settles a queue holds over for later turns: a turn that gathered this many sends them. */
const MAX_HELD_SETTLES = 64;

/** What a queue gathered in one turn, as far as holding its settles goes. */
export interface GatheredTurn {
  readonly settles: { readonly size: number };
  /** False once a settle came whose caller waits for its answer. */
  readonly settlesMayWait: boolean;
  readonly enqueues: { readonly size: number };
  readonly claims: readonly unknown[];
}

/**
 * When a queue's settles may wait for later turns, and for how long (StoreCalls'
 * `settleHoldMs`). At one slot a worker settles once per turn, and each settle was a
 * script call of its own; while the queue's streams are served from read-ahead the
 * settles wait instead, to ride with the claim that refills it or to go together once
 * the hold ends. One timer for all queues: the first settle held arms it, the turn
 * after it fires sends every settle it carries, and it stops once the settles it was
 * armed for have all left with other calls.
 */
export class SettleHold {
  readonly #holdMs: number;
  readonly #dealingAhead: (queue: string) => boolean;
  readonly #due: () => void;
  #timer: NodeJS.Timeout | undefined;
  #fired = false;
  /** Queues' coming turns that carry held settles. */
  #holdings = 0;

  /** `due` asks for the turn that sends what is held; `dealingAhead(queue)`: its streams are served from read-ahead. */
  constructor(holdMs: number, dealingAhead: (queue: string) => boolean, due: () => void) {
    this.#holdMs = holdMs;
    this.#dealingAhead = dealingAhead;
    this.#due = due;
  }

  /**
   * Whether a queue's turn may leave its settles to a later turn: the hold is on and has
   * not run out, the turn gathered nothing else, no caller of them waits for the answer,
   * they are not many, and the queue's streams are served from read-ahead.
   */
  mayHold(queue: string, turn: GatheredTurn, holdsDue: boolean): boolean {
    return (
      this.#holdMs > 0 &&
      !holdsDue &&
      turn.settlesMayWait &&
      turn.settles.size > 0 &&
      turn.settles.size < MAX_HELD_SETTLES &&
      turn.claims.length === 0 &&
      turn.enqueues.size === 0 &&
      this.#dealingAhead(queue)
    );
  }

  /**
   * Settles are held over in a queue's coming turn that held none: the hold ends at the
   * latest `holdMs` from the first of them.
   */
  held(): void {
    this.#holdings++;
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#fired = true;
      this.#due();
    }, this.#holdMs);
  }

  /**
   * A turn's held settles left, with its other calls or with another turn's held ones:
   * once none are held, the timer stops, so it neither wakes a turn for nothing nor cuts
   * short the hold of settles held after it.
   */
  released(): void {
    if (--this.#holdings > 0 || this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Whether the hold ran out, once: the turn that takes what is held (it lives in the
   * coming turn's gathering) sends it all.
   */
  takeDue(): boolean {
    const fired = this.#fired;
    this.#fired = false;
    return fired;
  }
}
