import { describe, expect, it } from 'vitest';
import { grantsAllow, parseScopes, patternMatches, validatePattern, type Grant } from './grants.js';

const grant = (pattern: string, ...scopes: string[]): Grant => ({
  pattern,
  scopes: parseScopes(scopes, 'scopes'),
});

describe('queue patterns and grants', () => {
  it('matches *, a prefix ending in *, or one queue exactly', () => {
    expect(patternMatches('*', 'anything')).toBe(true);
    expect(patternMatches('tenant-a.*', 'tenant-a.emails')).toBe(true);
    expect(patternMatches('tenant-a.*', 'tenant-a')).toBe(false);
    expect(patternMatches('tenant-a.*', 'tenant-ab.emails')).toBe(false);
    expect(patternMatches('emails', 'emails')).toBe(true);
    expect(patternMatches('emails', 'emails2')).toBe(false);
  });

  it('allows a scope only on the queues its grant covers; admin implies every scope', () => {
    const grants = [grant('tenant-a.*', 'enqueue', 'read'), grant('ops', 'admin')];
    expect(grantsAllow(grants, 'enqueue', 'tenant-a.x')).toBe(true);
    expect(grantsAllow(grants, 'claim', 'tenant-a.x')).toBe(false);
    expect(grantsAllow(grants, 'enqueue', 'tenant-b.x')).toBe(false);
    expect(grantsAllow(grants, 'claim', 'ops')).toBe(true);
    expect(grantsAllow(grants, 'read', 'ops2')).toBe(false);
  });

  it('names the field of a bad pattern or scope', () => {
    expect(() => validatePattern('a*b', 'grants key')).toThrow('grants key: expected *, a queue name');
    expect(() => validatePattern('', 'grants key')).toThrow('grants key');
    expect(() => parseScopes(['enqueue', 'write'], 'g')).toThrow(
      'g[1]: expected one of enqueue, claim, read, admin',
    );
    expect(() => parseScopes([], 'g')).toThrow('g: expected a non-empty list');
  });
});
