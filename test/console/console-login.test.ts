import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientKey } from '../../src/console/login-throttle.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { tempDir, writeTokenFile } from '../support/auth-fixtures.js';
import { startConsoleFixture, type ConsoleFixture } from './console-fixture.js';

/** The console's sign-in against token guessing: wrong tokens per client address are limited. */
const READER = { name: 'reader', token: 'reader-token-0123456789abcdef', grants: { jobs: ['read'] } };
const WRONG = 'wrong-token-guess-0123456789';

interface Reply {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

/** POSTs a token to `/login` from `localAddress` (any 127.0.0.0/8 address reaches a loopback listener). */
function signIn(url: string, token: string, localAddress = '127.0.0.1'): Promise<Reply> {
  const body = new URLSearchParams({ token }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}login`,
      {
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            retryAfter: res.headers['retry-after'],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A logger that keeps every line, to check that no token reaches the log. */
function recordingLogger(lines: string[]): Logger {
  const keep = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { error: keep('error'), warn: keep('warn'), info: keep('info'), debug: keep('debug') };
}

describe('console sign-in throttle', () => {
  const dir = tempDir();
  const lines: string[] = [];
  let f: ConsoleFixture;
  let fast: ConsoleFixture;

  beforeAll(async () => {
    const authTokenFile = writeTokenFile(dir.path('tokens.json'), [READER]);
    f = await startConsoleFixture({ authTokenFile }, { logger: recordingLogger(lines) });
    fast = await startConsoleFixture({ authTokenFile }, { loginFailureLimit: { perSecond: 0.5, burst: 2 } });
  });
  afterAll(async () => {
    await f.stop();
    await fast.stop();
    dir.remove();
  });

  it('answers 429 with Retry-After after five wrong tokens from one address, even to the right token', async () => {
    for (let i = 0; i < 5; i++) expect((await signIn(f.url, WRONG, '127.0.0.3')).status).toBe(401);
    const refused = await signIn(f.url, WRONG, '127.0.0.3');
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(12);
    expect(refused.body).toMatch(/try again in \d+ s/);
    // A right token does not get through either: the guesser cannot tell it was right.
    const right = await signIn(f.url, READER.token, '127.0.0.3');
    expect(right.status).toBe(429);
    // Another address is not held back by the first one's failures.
    expect((await signIn(f.url, READER.token, '127.0.0.4')).status).toBe(303);
    expect((await signIn(f.url, WRONG, '127.0.0.4')).status).toBe(401);
    const log = lines.join('\n');
    expect(log).toContain('console: sign-in throttled');
    expect(log).toContain('127.0.0.3');
    expect(log).not.toContain(WRONG);
    expect(log).not.toContain(READER.token);
  });

  it('lets the address try again once its bucket refills', async () => {
    for (let i = 0; i < 2; i++) expect((await signIn(fast.url, WRONG, '127.0.0.5')).status).toBe(401);
    const refused = await signIn(fast.url, READER.token, '127.0.0.5');
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toMatch(/^[12]$/);
    await expect.poll(async () => (await signIn(fast.url, READER.token, '127.0.0.5')).status).toBe(303);
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped one as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(clientKey('10.1.2.3')).toBe('10.1.2.3');
  });
});
