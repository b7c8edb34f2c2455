import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { JWT_ALGORITHMS, JwtVerifier } from '../../src/auth/jwt-verifier.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'codeq-jwt-'));
  dirs.push(dir);
  return dir;
}

function makeToken(dir: string, ...args: string[]): string {
  return execFileSync(process.execPath, [join(ROOT, 'scripts/make-test-jwt.mjs'), '--dir', dir, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

describe('scripts/make-test-jwt.mjs', () => {
  it('makes a JWKS the server trusts and tokens that carry their grants', async () => {
    const dir = tempDir();
    const first = makeToken(dir, '--scope', 'enqueue:billing.* read:billing.*', '--sub', 'billing-producer');
    const jwks = readFileSync(join(dir, 'jwks.json'), 'utf8');
    expect(jwks).not.toContain('"d"'); // the public half only
    const verifier = new JwtVerifier({
      jwksFile: join(dir, 'jwks.json'),
      audience: 'codeq',
      issuer: 'codeq-test-issuer',
    });
    expect(await verifier.verify(first)).toMatchObject({
      name: 'billing-producer',
      source: 'jwt',
      grants: [{ pattern: 'billing.*', scopes: new Set(['enqueue', 'read']) }],
    });
    // A later run signs with the same key: the JWKS stays, and its tokens are trusted.
    const second = makeToken(dir, '--scope', 'claim:billing.*');
    expect(readFileSync(join(dir, 'jwks.json'), 'utf8')).toBe(jwks);
    expect(await verifier.verify(second)).toMatchObject({ name: 'test-client' });
  });
});

describe('JWT algorithms', () => {
  async function verifierFor(
    alg: string,
  ): Promise<{ verifier: JwtVerifier; sign: (a?: string) => Promise<string> }> {
    const dir = tempDir();
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg };
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
    return {
      verifier: new JwtVerifier({ jwksFile: join(dir, 'jwks.json') }),
      sign: () =>
        new SignJWT({ scope: 'read:*' })
          .setProtectedHeader({ alg, kid: 'k' })
          .setSubject('s')
          .setExpirationTime('5m')
          .sign(privateKey),
    };
  }

  it('accepts the asymmetric ones the README lists', async () => {
    for (const alg of ['RS256', 'PS384', 'ES256', 'ES512', 'EdDSA']) {
      const { verifier, sign } = await verifierFor(alg);
      expect(await verifier.verify(await sign()), alg).toMatchObject({ name: 's' });
    }
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const alg of JWT_ALGORITHMS) expect(readme).toContain(`\`${alg}\``);
  });

  it('refuses HS256, even with the public key as its secret, and none', async () => {
    const { verifier } = await verifierFor('ES256');
    const jwks = JSON.parse(readFileSync(join(dirs.at(-1)!, 'jwks.json'), 'utf8')) as { keys: object[] };
    const secret = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
    const hs = await new SignJWT({ scope: 'admin:*' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k' })
      .setExpirationTime('5m')
      .sign(secret);
    await expect(verifier.verify(hs)).rejects.toThrow(/not valid/);
    const none = `${Buffer.from('{"alg":"none","kid":"k"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ scope: 'admin:*', exp: Math.floor(Date.now() / 1000) + 300 }),
    ).toString('base64url')}.`;
    await expect(verifier.verify(none)).rejects.toThrow(/not valid/);
  });
});
