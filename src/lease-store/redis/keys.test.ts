import { describe, expect, it } from 'vitest';
import { KeySpace } from './keys.js';

/** The part of a key Redis Cluster hashes: the first non-empty {...}, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('KeySpace', () => {
  const keys = new KeySpace('codeq');

  it('names every key of a queue under the hash tag {queue}', () => {
    const q = keys.queue('emails.high:v2');
    const all = [
      q.ready,
      q.scheduled,
      q.leased,
      q.seq,
      q.paused,
      keys.task('emails.high:v2', 'AbC_-123'),
      keys.idempotency('emails.high:v2', 'order-{42}'),
    ];
    expect(all).toEqual([
      'codeq:{emails.high:v2}:ready',
      'codeq:{emails.high:v2}:sched',
      'codeq:{emails.high:v2}:leased',
      'codeq:{emails.high:v2}:seq',
      'codeq:{emails.high:v2}:paused',
      'codeq:{emails.high:v2}:t:AbC_-123',
      'codeq:{emails.high:v2}:idem:order-{42}',
    ]);
    for (const key of all) expect(hashTag(key)).toBe('emails.high:v2');
    expect(q.taskPrefix + 'x').toBe(keys.task('emails.high:v2', 'x'));
    expect(q.idempotencyPrefix + 'k').toBe(keys.idempotency('emails.high:v2', 'k'));
  });

  it('puts the prefix first and on the wake channel', () => {
    const other = new KeySpace('tenant-7');
    expect(other.queue('q').ready).toBe('tenant-7:{q}:ready');
    expect(other.wakeChannel).toBe('tenant-7:wake');
    expect(new KeySpace().queue('q').ready).toBe('codeq:{q}:ready');
  });

  it('keeps the queue registry out of every queue slot, one per prefix', () => {
    expect(keys.queues).toBe('codeq:queues');
    expect(hashTag(keys.queues)).toBe('codeq:queues');
    expect(new KeySpace('tenant-7').queues).toBe('tenant-7:queues');
    expect(keys.finishChannel).toBe('codeq:finished');
  });

  it('refuses a prefix that would become the hash tag of every key', () => {
    expect(() => new KeySpace('app{1}')).toThrow(/prefix/);
    expect(() => new KeySpace('')).toThrow(/prefix/);
  });
});

describe('KeySpace fair-share keys', () => {
  it('puts them under the queue hash tag, at the prefix fair.lua derives from the task prefix', () => {
    const q = new KeySpace('codeq').queue('emails');
    expect(q.fairPrefix).toBe(`${q.taskPrefix.slice(0, -2)}f:`);
    for (const key of [q.config, q.keyReady, q.keyLeased]) {
      expect(key.startsWith(q.fairPrefix)).toBe(true);
      expect(hashTag(key)).toBe('emails');
    }
  });
});
