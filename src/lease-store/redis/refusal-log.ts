/** Where the store writes a warning for the operator: a message and key=value fields. */
export type StoreWarn = (message: string, fields: Record<string, unknown>) => void;

/** Fewest milliseconds between two warnings about refusals of one kind. */
export const REFUSAL_LOG_GAP_MS = 60_000;

/** Longest reply text a warning carries: a reply is a line, never a payload. */
const MAX_REPLY_CHARS = 200;

/**
 * Warnings about what the store answers UNAVAILABLE for while Redis itself is up: a
 * reply such as MOVED, CLUSTERDOWN or OOM, or writes too few replicas confirmed. Callers
 * get only "Redis unavailable"; without this line an operator could not tell a setup to
 * fix (a Cluster node given as a standalone Redis, a full Redis, missing replicas) from
 * an outage. Every call meets the same refusal, so each kind is logged at most once per
 * gap, with how many were left out since the last line.
 */
export class RefusalLog {
  readonly #warn: StoreWarn | undefined;
  readonly #gapMs: number;
  readonly #now: () => number;
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(warn: StoreWarn | undefined, gapMs = REFUSAL_LOG_GAP_MS, now: () => number = Date.now) {
    this.#warn = warn;
    this.#gapMs = gapMs;
    this.#now = now;
  }

  /** Notes one refusal of `kind`; logs it unless one of that kind was logged within the gap. */
  note(kind: string, message: string, fields: Record<string, unknown>): void {
    if (!this.#warn) return;
    const now = this.#now();
    const last = this.#last.get(kind);
    if (last && now - last.at < this.#gapMs) {
      last.suppressed++;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.#last.set(kind, { at: now, suppressed: 0 });
    this.#warn(message, { ...fields, ...(suppressed > 0 && { refusals_not_logged: suppressed }) });
  }

  /** Notes the Redis reply an error carries as its cause (toStoreError keeps it there), if any. */
  noteReply(err: Error): void {
    const cause = err.cause;
    if (!(cause instanceof Error) || cause.name !== 'ReplyError') return;
    const reply = replyText(cause.message);
    this.note(reply.split(' ', 1)[0]!, 'Redis refused a call, which answers UNAVAILABLE', { reply });
  }
}

/**
 * A reply as a log value: one line, cut to {@link MAX_REPLY_CHARS}, and any
 * `//user:password@` in it (an address in a reply) without its password.
 */
export function replyText(message: string): string {
  const line = message.split(/\r?\n/, 1)[0]!.replace(/\/\/([^:@/\s]*):[^@/\s]*@/g, '//$1:***@');
  return line.length > MAX_REPLY_CHARS ? `${line.slice(0, MAX_REPLY_CHARS)}...` : line;
}
