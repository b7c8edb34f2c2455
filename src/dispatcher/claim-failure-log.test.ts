import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../domain/errors.js';
import { createLogger } from '../telemetry/logger.js';
import { CLAIM_FAILURE_LOG_GAP_MS, logClaimFailure } from './claim-failure-log.js';

describe('logClaimFailure', () => {
  it('keeps an unavailable store to one debug line with no stack', () => {
    const lines: string[] = [];
    const info = createLogger('info', (l) => lines.push(l));
    logClaimFailure(info, 'q', new UnavailableError('Redis unavailable'));
    expect(lines).toEqual([]);
    const debug = createLogger('debug', (l) => lines.push(l));
    logClaimFailure(debug, 'q', new UnavailableError('Redis unavailable'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ debug claim failed; retrying queue=q error="Redis unavailable"\n$/);
  });

  it('warns about other failures at most once per queue per gap, counting the rest', () => {
    const lines: string[] = [];
    const logger = createLogger('info', (l) => lines.push(l));
    const t = 1_000_000;
    for (let i = 0; i < 5; i++) logClaimFailure(logger, 'q', new Error('script bug'), t + i * 1_000);
    logClaimFailure(logger, 'other', new Error('script bug'), t);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('script bug\\n    at '); // a surprise keeps its stack, on the event's one line
    logClaimFailure(logger, 'q', new Error('script bug'), t + CLAIM_FAILURE_LOG_GAP_MS);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('not_logged=4');
  });
});
