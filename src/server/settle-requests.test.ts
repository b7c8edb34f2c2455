import { describe, expect, it } from 'vitest';
import { PermissionDeniedError } from '../domain/errors.js';
import { formatLeaseId } from '../domain/lease-id.js';
import { settleRequests } from './settle-requests.js';

const id = (queue: string, token = 1): string =>
  formatLeaseId({ queue, taskId: 'AAAAAAAAAAAAAAAA', token, nonce: 'n'.repeat(24) });
const ctx = {
  authorizeQueue: (queue: string) => {
    if (queue === 'forbidden') throw new PermissionDeniedError(`lacks the claim scope on queue "${queue}"`);
  },
  leaseMs: 30_000,
  maxPayloadBytes: 10,
};
const empty = { completes: [], fails: [], extends: [], releases: [] };

describe('settleRequests', () => {
  it('turns each settle into its store op, completes first, then fails, extends, releases', () => {
    const requests = settleRequests(
      {
        ...empty,
        releases: [{ leaseId: id('q', 4) }],
        extends: [{ leaseId: id('q', 3) }],
        fails: [{ leaseId: id('q', 2), error: 'x'.repeat(5000), permanent: true }],
        completes: [{ leaseId: id('q', 1), result: Buffer.from('ok') }],
      },
      ctx,
    );
    expect(requests.map((r) => [r.kind, 'op' in r ? r.op.kind : 'refused'])).toEqual([
      ['COMPLETE', 'complete'],
      ['FAIL', 'fail'],
      ['EXTEND', 'extend'],
      ['RELEASE', 'release'],
    ]);
    const fail = requests[1]!;
    expect('op' in fail && fail.op.kind === 'fail' && fail.op.error.length).toBe(4096);
    const extend = requests[2]!;
    // No extension given: the stream's lease length.
    expect('op' in extend && extend.op.kind === 'extend' && extend.op.extensionMs).toBe(30_000);
    expect('op' in requests[0]! && requests[0].op).toMatchObject({ token: 1, nonce: 'n'.repeat(24) });
  });

  it('refuses a malformed id and a result over the limit naming the field, and a queue the caller may not claim from', () => {
    const requests = settleRequests(
      {
        ...empty,
        completes: [
          { leaseId: 'nonsense' },
          { leaseId: id('forbidden') },
          { leaseId: id('q'), result: Buffer.alloc(11) },
          { leaseId: id('another-queue') },
        ],
      },
      ctx,
    );
    expect(
      requests.map((r) => ('refused' in r ? [r.refused.kind, r.refused.message.split(':')[0]] : 'op')),
    ).toEqual([
      ['INVALID_ARGUMENT', 'lease_id'],
      ['PERMISSION_DENIED', 'lacks the claim scope on queue "forbidden"'],
      ['RESOURCE_EXHAUSTED', 'result'],
      'op',
    ]);
  });
});
