import { describe, expect, it } from 'vitest';
import type { EnqueueRequest__Output } from '../api/generated/codeq/v1/EnqueueRequest.js';
import { toNewTask } from './validation.js';

const LIMITS = { maxPayloadBytes: 1024, defaultLeaseDurationMs: 30_000, maxLeaseAgeMs: 3_600_000 };

function refusal(req: Partial<EnqueueRequest__Output>): string {
  try {
    toNewTask({ queue: 'q', ...req }, LIMITS);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('toNewTask', () => {
  it('says a delay beyond the limit in days as well as in milliseconds', () => {
    expect(refusal({ delay: { seconds: 400 * 86_400, nanos: 0 } })).toBe(
      'delay: must be at most 365 days, got 34560000000 ms (400d)',
    );
  });

  it('says a short duration out of range in milliseconds alone', () => {
    expect(refusal({ delay: { seconds: -1, nanos: 0 } })).toMatch(/^delay: .*, got -1000 ms$/);
  });
});
