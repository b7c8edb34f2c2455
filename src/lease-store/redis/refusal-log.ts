import { ThrottledWarnings } from '../../domain/throttled-warnings.js';

/** Longest reply text a warning carries: a reply is a line, never a payload. */
const MAX_REPLY_CHARS = 200;

/**
 * Warnings about what the store answers UNAVAILABLE for while Redis itself is up: a
 * reply such as MOVED, CLUSTERDOWN or OOM, or writes too few replicas confirmed. Callers
 * get only "Redis unavailable"; without this line an operator could not tell a setup to
 * fix (a Cluster node given as a standalone Redis, a full Redis, missing replicas) from
 * an outage. Every call meets the same refusal, so each kind is logged at most once a
 * minute, with how many were left out since the last line.
 */
export class RefusalLog extends ThrottledWarnings {
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
