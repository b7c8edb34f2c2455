import { describe, expect, it } from 'vitest';
import { hashToken, parseTokenFile } from './token-file.js';

const file = (tokens: unknown[]): string => JSON.stringify({ tokens });
const HASH = hashToken('s3cret');
const EXPECTED = '1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0';

describe('token file', () => {
  it('keys principals by the SHA-256 of their token', () => {
    // printf %s s3cret | sha256sum
    expect(HASH).toBe(EXPECTED);
    const tokens = parseTokenFile(
      file([
        {
          name: 'billing',
          sha256: HASH.toUpperCase(),
          grants: { 'billing.*': ['enqueue', 'read'] },
          workerId: 'billing-1',
          rateLimit: { perSecond: 10, burst: 20 },
        },
      ]),
      'tokens.json',
    );
    const principal = tokens.get(HASH)!;
    expect(principal).toMatchObject({
      name: 'billing',
      source: 'token',
      workerId: 'billing-1',
      rateLimit: { perSecond: 10, burst: 20 },
    });
    expect(principal.grants).toEqual([{ pattern: 'billing.*', scopes: new Set(['enqueue', 'read']) }]);
  });

  it('names the file and the field of every mistake', () => {
    const ok = { name: 'a', sha256: HASH, grants: { '*': ['read'] } };
    const cases: [unknown, string][] = [
      [{ ...ok, name: undefined }, 'tokens.json: tokens[0].name: required'],
      [{ ...ok, sha256: 's3cret' }, 'tokens.json: tokens[0].sha256: expected the SHA-256'],
      [{ ...ok, grants: {} }, 'tokens.json: tokens[0].grants: expected an object'],
      [{ ...ok, grants: { '*': ['write'] } }, 'tokens.json: tokens[0].grants["*"][0]: expected one of'],
      [
        { ...ok, rateLimit: { perSecond: 0 } },
        'tokens.json: tokens[0].rateLimit.perSecond: expected a number above 0',
      ],
      [{ ...ok, workerId: 3 }, 'tokens.json: tokens[0].workerId: expected a non-empty string'],
    ];
    for (const [entry, message] of cases) {
      expect(() => parseTokenFile(file([entry]), 'tokens.json')).toThrow(message);
    }
    expect(() => parseTokenFile(file([ok, { ...ok, sha256: hashToken('other') }]), 'tokens.json')).toThrow(
      'tokens.json: tokens[1].name: "a" is used by another token',
    );
    expect(() => parseTokenFile('{', 'tokens.json')).toThrow('tokens.json: not valid JSON');
    expect(() => parseTokenFile('{}', 'tokens.json')).toThrow('tokens.json: tokens: expected a list');
  });
});
