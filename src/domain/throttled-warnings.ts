/** Where a warning goes: a message and key=value fields. */
export type Warn = (message: string, fields: Record<string, unknown>) => void;

/** Fewest milliseconds between two warnings of one kind. */
export const WARNING_GAP_MS = 60_000;

/**
 * Warnings about something every call may meet again (a refusal Redis gives every call, a
 * trace collector that every export fails to reach, a queue whose claims keep failing):
 * each kind is logged at most once per gap, with how many were left out since its last
 * line (`not_logged`). Without a `warn`, nothing is kept.
 */
export class ThrottledWarnings {
  readonly #warn: Warn | undefined;
  readonly #gapMs: number;
  readonly #now: () => number;
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(warn: Warn | undefined, gapMs = WARNING_GAP_MS, now: () => number = Date.now) {
    this.#warn = warn;
    this.#gapMs = gapMs;
    this.#now = now;
  }

  /** Notes one warning of `kind`; logs it unless one of that kind was logged within the gap. True when it logged. */
  note(kind: string, message: string, fields: Record<string, unknown>, now = this.#now()): boolean {
    if (!this.#warn) return false;
    const last = this.#last.get(kind);
    if (last && now - last.at < this.#gapMs) {
      last.suppressed++;
      return false;
    }
    const suppressed = last?.suppressed ?? 0;
    this.#last.set(kind, { at: now, suppressed: 0 });
    this.#warn(message, { ...fields, ...(suppressed > 0 && { not_logged: suppressed }) });
    return true;
  }
}
