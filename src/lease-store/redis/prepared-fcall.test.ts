import { Command } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CommandTimeouts, EncodedHead, PreparedFcall } from './prepared-fcall.js';

/** What ioredis itself writes for the same FCALL (its Command with the flat argument list). */
function ioredisBytes(args: (string | Buffer | number)[]): Buffer {
  const written = new Command('fcall', args, { replyEncoding: null }).toWritable({});
  return Buffer.isBuffer(written) ? written : Buffer.from(written);
}

const HEAD = ['codeq_0123abcd_enqueue', '2', 'codeq:{q}:ready', 'codeq:{q}:seq', '', 'é-utf8 ✓', '30000'];
const POSITIONS = new Map([
  ['now', 4],
  ['label', 5],
  ['max', 6],
]);

describe('PreparedFcall', () => {
  it('writes the same bytes as ioredis for the head and a tail of strings, numbers and Buffers', () => {
    const head = new EncodedHead(HEAD, POSITIONS);
    const tail = [
      3,
      Buffer.from([0, 13, 10, 255]),
      '',
      'x',
      Buffer.alloc(0),
      'ünï',
      Buffer.alloc(1234, 7),
      'y'.repeat(100),
    ];
    const command = new PreparedFcall(head, tail, undefined, null);
    expect(command.toWritable()).toEqual(ioredisBytes([...HEAD, ...tail]));
  });

  it('replaces the varied arguments, in any order, and leaves the prepared head as it was', () => {
    const head = new EncodedHead(HEAD, POSITIONS);
    const before = Buffer.from(head.bytes);
    const command = new PreparedFcall(head, ['t'], { max: 1234567, now: 'ñow' }, 'utf8');
    const expected = [...HEAD];
    expected[4] = 'ñow';
    expected[6] = '1234567';
    expect(command.toWritable()).toEqual(ioredisBytes([...expected, 't']));
    expect(command.args).toEqual([...expected, 't']);
    expect(head.bytes).toEqual(before);
    expect(head.args).toEqual(HEAD);
  });

  it('writes a head alone, and refuses a name it does not know', () => {
    const head = new EncodedHead(HEAD, POSITIONS);
    expect(new PreparedFcall(head, [], undefined, null).toWritable()).toEqual(ioredisBytes(HEAD));
    expect(() => new PreparedFcall(head, [], { nope: 1 }, null)).toThrow(/nope/);
  });

  describe('command timeout', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("fails a command unanswered at its timeout with ioredis's error, and leaves answered ones alone", async () => {
      vi.useFakeTimers();
      const head = new EncodedHead(HEAD, POSITIONS);
      const timeouts = new CommandTimeouts();
      const answered = new PreparedFcall(head, [], undefined, null, timeouts);
      const late = new PreparedFcall(head, [], undefined, null, timeouts);
      const later = new PreparedFcall(head, [], undefined, null, timeouts);
      const outcome = (c: PreparedFcall) =>
        c.promise.then(
          (value: unknown) => ({ value }),
          (err: Error) => ({ error: err.message }),
        );
      const results = [outcome(answered), outcome(late), outcome(later)];
      answered.setTimeout(1_000);
      late.setTimeout(1_000);
      vi.advanceTimersByTime(400);
      later.setTimeout(1_000);
      answered.resolve(Buffer.from('OK'));
      vi.advanceTimersByTime(599);
      expect(late.isSettled).toBe(false);
      vi.advanceTimersByTime(1);
      expect(late.isSettled).toBe(true);
      expect(later.isSettled).toBe(false);
      vi.advanceTimersByTime(400);
      expect(await Promise.all(results)).toEqual([
        { value: Buffer.from('OK') },
        { error: 'Command timed out' },
        { error: 'Command timed out' },
      ]);
    });

    it('keeps no timer once every command is answered', () => {
      vi.useFakeTimers();
      const head = new EncodedHead(HEAD, POSITIONS);
      const timeouts = new CommandTimeouts();
      const commands = Array.from(
        { length: 3 },
        () => new PreparedFcall(head, [], undefined, null, timeouts),
      );
      for (const c of commands) c.setTimeout(2_000);
      for (const c of commands) c.resolve(Buffer.from('OK'));
      vi.advanceTimersByTime(2_000);
      expect(vi.getTimerCount()).toBe(0);
      expect(commands.every((c) => c.isResolved)).toBe(true);
    });
  });
});
