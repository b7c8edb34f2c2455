import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeCertificates, tempDir, type TestCertificates } from '../../test/support/auth-fixtures.js';
import { UsageError } from '../config/usage-error.js';
import { clientTlsCredentials } from './client-tls.js';
import { runCli } from './codeq.js';

const dir = tempDir();
let pki: TestCertificates;
let otherPki: TestCertificates;
beforeAll(() => {
  pki = makeCertificates(dir.dir, 'a-');
  otherPki = makeCertificates(dir.dir, 'b-');
  writeFileSync(dir.path('garbage.pem'), 'not PEM\n');
});
afterAll(() => dir.remove());

/** The UsageError `clientTlsCredentials(files)` throws, or undefined when it builds credentials. */
function refusal(files: Parameters<typeof clientTlsCredentials>[0]): UsageError | undefined {
  try {
    clientTlsCredentials(files);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
}

describe('clientTlsCredentials', () => {
  it('builds credentials from files that load', () => {
    expect(refusal({})).toBeUndefined();
    expect(refusal({ ca: pki.ca })).toBeUndefined();
    expect(refusal({ ca: pki.ca, cert: pki.clientCert, key: pki.clientKey })).toBeUndefined();
  });

  it('names the flag of a file that cannot be read', () => {
    const missing = dir.path('nope.pem');
    expect(refusal({ ca: missing })?.message).toMatch(/^--tls-ca: cannot read .*nope\.pem: ENOENT/);
    expect(refusal({ ca: pki.ca, cert: missing, key: pki.clientKey })?.message).toMatch(
      /^--tls-client-cert: cannot read .*nope\.pem/,
    );
    expect(refusal({ cert: pki.clientCert, key: missing })?.message).toMatch(
      /^--tls-client-key: cannot read .*nope\.pem/,
    );
  });

  it('names the flag of a file that does not load, and of a key that is not the certificate’s', () => {
    const garbage = dir.path('garbage.pem');
    expect(refusal({ cert: garbage, key: pki.clientKey })?.message).toMatch(
      /^--tls-client-cert: .*garbage\.pem does not load as a PEM certificate: /,
    );
    expect(refusal({ cert: pki.clientCert, key: pki.clientCert })?.message).toMatch(
      /^--tls-client-key: .*client\.pem does not load as a PEM private key: /,
    );
    // Node takes a CA file without a certificate, and then trusts no server at all.
    expect(refusal({ ca: garbage })?.message).toMatch(/^--tls-ca: .*garbage\.pem holds no PEM certificate/);
    expect(refusal({ ca: pki.clientKey })?.message).toMatch(
      /^--tls-ca: .*client\.key holds no PEM certificate .*PRIVATE KEY$/,
    );
    expect(refusal({ cert: pki.clientCert, key: otherPki.clientKey })?.message).toMatch(
      /^--tls-client-cert, --tls-client-key: do not load together: .*key values mismatch/,
    );
  });
});

describe('codeq with a bad client TLS file', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  async function run(argv: string[]): Promise<{ code: unknown; error: string | undefined }> {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args.join(' '));
    });
    process.exitCode = undefined;
    await runCli(argv);
    return { code: process.exitCode, error: errors.at(-1) };
  }

  it('exits 2 naming the flag, before it connects', async () => {
    // Nothing listens on port 1: a command that got as far as connecting would fail otherwise.
    const enqueue = ['enqueue', 'q', '--payload', 'x', '--server', '127.0.0.1:1'];
    expect(await run([...enqueue, '--tls-ca', dir.path('nope.pem')])).toEqual({
      code: 2,
      error: expect.stringMatching(/^codeq: --tls-ca: cannot read .*nope\.pem/) as unknown,
    });
    const mismatched = ['--tls-client-cert', pki.clientCert, '--tls-client-key', otherPki.clientKey];
    expect(await run([...enqueue, '--tls-ca', pki.ca, ...mismatched])).toEqual({
      code: 2,
      error: expect.stringMatching(
        /^codeq: --tls-client-cert, --tls-client-key: do not load together: .*key values mismatch$/,
      ) as unknown,
    });
  });
});
