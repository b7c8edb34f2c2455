import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnauthenticatedError } from '../domain/errors.js';
import { jwtIssuer, tempDir } from '../../test/support/auth-fixtures.js';
import { JwtVerifier, parseRateText, type JwtOptions } from './jwt-verifier.js';

const AUDIENCE = 'codeq-unit';
const dir = tempDir();
let issuer: Awaited<ReturnType<typeof jwtIssuer>>;
const now = (): number => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  issuer = await jwtIssuer();
  writeFileSync(dir.path('jwks.json'), JSON.stringify(issuer.jwks));
});
afterAll(() => dir.remove());

function verifier(options: Partial<JwtOptions> = {}): JwtVerifier {
  return new JwtVerifier({ jwksFile: dir.path('jwks.json'), audience: AUDIENCE, ...options });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnauthenticatedError);
  return (err as Error).message;
}

describe('JWT lifetime', () => {
  it('refuses a JWT without exp', async () => {
    const jwt = await issuer.sign({ sub: 'a' }, { audience: AUDIENCE, expiresIn: null });
    expect(await refusal(verifier().verify(jwt))).toMatch(/no exp claim/);
  });

  it('refuses an iat in the future beyond the clock skew, accepts one within it', async () => {
    const future = await issuer.sign({ sub: 'a' }, { audience: AUDIENCE, issuedAt: now() + 365 * 86_400 });
    expect(await refusal(verifier().verify(future))).toMatch(/iat claim is in the future/);
    const skewed = await issuer.sign({ sub: 'a' }, { audience: AUDIENCE, issuedAt: now() + 2 });
    expect((await verifier().verify(skewed)).name).toBe('a');
  });

  it('refuses a JWT that lives longer than the maximum lifetime, with or without iat', async () => {
    const long = await issuer.sign({ sub: 'a' }, { audience: AUDIENCE, expiresIn: '25h' });
    expect(await refusal(verifier().verify(long))).toMatch(/longer than the 86400 s allowed/);
    // Issued long ago and still valid for a while: its lifetime is exp minus iat.
    const old = await issuer.sign(
      { sub: 'a' },
      { audience: AUDIENCE, issuedAt: now() - 2 * 86_400, expiresIn: now() + 60 },
    );
    expect(await refusal(verifier().verify(old))).toMatch(/lives longer/);
    const day = await issuer.sign({ sub: 'a' }, { audience: AUDIENCE, expiresIn: '23h' });
    expect((await verifier().verify(day)).name).toBe('a');
    const short = verifier({ maxLifetimeMs: 60_000 });
    expect(await refusal(short.verify(day))).toMatch(/longer than the 60 s/);
  });
});

describe('JWT rate limits', () => {
  it('reads codeq_rate, else the configured default, else none', async () => {
    const rated = await issuer.sign(
      { sub: 'a', codeq_rate: { perSecond: 5, burst: 10 } },
      { audience: AUDIENCE },
    );
    const plain = await issuer.sign({ sub: 'b' }, { audience: AUDIENCE });
    expect((await verifier().verify(rated)).rateLimit).toEqual({ perSecond: 5, burst: 10 });
    expect((await verifier().verify(plain)).rateLimit).toBeUndefined();
    const withDefault = verifier({ rateLimit: { perSecond: 2, burst: 4 } });
    expect((await withDefault.verify(plain)).rateLimit).toEqual({ perSecond: 2, burst: 4 });
    expect((await withDefault.verify(rated)).rateLimit).toEqual({ perSecond: 5, burst: 10 });
  });

  it('refuses a malformed codeq_rate claim rather than ignoring the limit', async () => {
    const bad = await issuer.sign({ sub: 'a', codeq_rate: { perSecond: -1 } }, { audience: AUDIENCE });
    expect(await refusal(verifier().verify(bad))).toMatch(/codeq_rate\.perSecond: expected a number above 0/);
  });

  it('parses RATE[/BURST] flags, naming the flag when wrong', () => {
    expect(parseRateText('100', '--x')).toEqual({ perSecond: 100, burst: 100 });
    expect(parseRateText('0.5/3', '--x')).toEqual({ perSecond: 0.5, burst: 3 });
    expect(() => parseRateText('fast', '--x')).toThrow(/^--x: expected RATE or RATE\/BURST/);
    expect(() => parseRateText('10/0', '--x')).toThrow(/^--x\.burst/);
  });
});
