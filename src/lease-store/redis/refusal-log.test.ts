import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../domain/errors.js';
import { WARNING_GAP_MS } from '../../domain/throttled-warnings.js';
import { RefusalLog, replyText } from './refusal-log.js';

/** An error as ioredis gives a Redis error reply. */
function replyError(message: string): Error {
  const err = new Error(message);
  err.name = 'ReplyError';
  return err;
}

const unavailable = (reply: string) =>
  new UnavailableError('Redis unavailable', { cause: replyError(reply) });

describe('RefusalLog', () => {
  it('logs each kind of reply once per gap, then with the count left out', () => {
    const lines: [string, Record<string, unknown>][] = [];
    let now = 1_000_000;
    const log = new RefusalLog(
      (message, fields) => lines.push([message, fields]),
      WARNING_GAP_MS,
      () => now,
    );
    for (let i = 0; i < 5; i++) log.noteReply(unavailable(`MOVED ${i} 127.0.0.1:7001`));
    log.noteReply(unavailable("OOM command not allowed when used memory > 'maxmemory'."));
    expect(lines).toEqual([
      ['Redis refused a call, which answers UNAVAILABLE', { reply: 'MOVED 0 127.0.0.1:7001' }],
      [
        'Redis refused a call, which answers UNAVAILABLE',
        { reply: "OOM command not allowed when used memory > 'maxmemory'." },
      ],
    ]);
    now += WARNING_GAP_MS;
    log.noteReply(unavailable('MOVED 9 127.0.0.1:7002'));
    expect(lines[2]![1]).toEqual({ reply: 'MOVED 9 127.0.0.1:7002', not_logged: 4 });
  });

  it('says nothing of a lost connection: the health check logs outages', () => {
    const lines: unknown[] = [];
    const log = new RefusalLog((message) => lines.push(message));
    log.noteReply(new UnavailableError('Redis unavailable', { cause: new Error('Connection is closed.') }));
    log.noteReply(new UnavailableError('Redis unavailable'));
    expect(lines).toEqual([]);
  });

  it('keeps a reply to one line, short, and without a password', () => {
    expect(replyText('ERR x redis://u:secret@h:1 y\nmore')).toBe('ERR x redis://u:***@h:1 y');
    expect(replyText('E'.repeat(500))).toHaveLength(203);
  });
});
