import { describe, expect, it } from 'vitest';
import { msToDuration } from '../src/api/time.js';
import { SettleOutbox } from './settle-outbox.js';

describe('SettleOutbox', () => {
  it('has nothing to say when no credit and no settle are pending', () => {
    expect(new SettleOutbox().take(0)).toBeUndefined();
  });

  it('puts every kind of settle and the credit into one message', () => {
    const outbox = new SettleOutbox();
    outbox.complete('l1', Buffer.from('r'));
    outbox.fail('l2', 'boom', true, 2_500);
    outbox.release('l3');
    outbox.extend('l4', 30_000);
    const message = outbox.take(2)!;
    expect(message.credit).toBe(2);
    expect(message.completes).toEqual([{ leaseId: 'l1', result: Buffer.from('r') }]);
    expect(message.fails).toHaveLength(1);
    expect(message.fails![0]).toMatchObject({ leaseId: 'l2', error: 'boom', permanent: true });
    expect(message.fails![0]!.retryDelay).toEqual(msToDuration(2_500));
    expect(message.releases).toEqual([{ leaseId: 'l3' }]);
    expect(message.extends).toEqual([{ leaseId: 'l4', extension: { seconds: 30, nanos: 0 } }]);
    expect(outbox.take(0)).toBeUndefined();
  });

  it('keeps only the newest extension of a lease, and none behind its settle', () => {
    const outbox = new SettleOutbox();
    outbox.extend('a', 1_000);
    outbox.extend('a', 2_000);
    outbox.extend('b', 1_000);
    outbox.complete('b', undefined);
    const message = outbox.take(0)!;
    expect(message.extends).toEqual([{ leaseId: 'a', extension: { seconds: 2, nanos: 0 } }]);
    expect(message.completes).toEqual([{ leaseId: 'b' }]);
  });

  it('splits large results over several messages, at least one settle each', () => {
    const outbox = new SettleOutbox();
    const big = Buffer.alloc(600);
    outbox.complete('a', big);
    outbox.complete('b', big);
    outbox.complete('c', Buffer.alloc(5_000));
    expect(outbox.take(1, 1_000)!.completes!.map((c) => c.leaseId)).toEqual(['a']);
    expect(outbox.take(0, 1_000)!.completes!.map((c) => c.leaseId)).toEqual(['b']);
    expect(outbox.take(0, 1_000)!.completes!.map((c) => c.leaseId)).toEqual(['c']);
  });

  it('is settled only when every terminal settle was acknowledged', () => {
    const outbox = new SettleOutbox();
    outbox.complete('a', undefined);
    expect(outbox.settled).toBe(false);
    outbox.take(0);
    expect(outbox.settled).toBe(false);
    expect(outbox.ack('a')?.kind).toBe('COMPLETE');
    expect(outbox.settled).toBe(true);
    expect(outbox.ack('a')).toBeUndefined();
  });

  it('sends unacknowledged settles again, ahead of newer ones, after the stream died', () => {
    const outbox = new SettleOutbox();
    outbox.complete('old', undefined);
    outbox.take(0);
    outbox.release('new');
    outbox.requeueUnacked();
    const message = outbox.take(0)!;
    expect(message.completes).toEqual([{ leaseId: 'old' }]);
    expect(message.releases).toEqual([{ leaseId: 'new' }]);
    expect(outbox.unsettledCount).toBe(2);
  });
});
