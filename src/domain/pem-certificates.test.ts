import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificates, tempDir, type TestCertificates } from '../../test/support/auth-fixtures.js';
import { checkPemCertificates } from './pem-certificates.js';

const dir = tempDir();
let pki: TestCertificates;
beforeAll(() => {
  pki = makeCertificates(dir.dir);
});
afterAll(() => dir.remove());

const check = (text: string) => () => checkPemCertificates(Buffer.from(text), 'ca.pem', '--tls-client-ca');

/** `pem` with the first line of its base64 body replaced: still PEM, no longer DER. */
function corrupted(pem: string): string {
  return pem.replace(/(-----BEGIN CERTIFICATE-----\r?\n)[^\r\n]+/, '$1' + 'A'.repeat(64));
}

describe('checkPemCertificates', () => {
  it('takes one certificate, a bundle, and certificates among other text', () => {
    const ca = readFileSync(pki.ca, 'utf8');
    const server = readFileSync(pki.serverCert, 'utf8');
    expect(check(ca)).not.toThrow();
    expect(check(ca + server)).not.toThrow();
    expect(check(`# our CA\n${ca}\n# and the old one\n${server}`)).not.toThrow();
  });

  it('refuses a file without a certificate, saying what it holds', () => {
    expect(check('not a certificate\n')).toThrow(
      '--tls-client-ca: ca.pem holds no PEM certificate (-----BEGIN CERTIFICATE-----): no PEM block at all',
    );
    expect(check(readFileSync(pki.serverKey, 'utf8'))).toThrow(
      /^--tls-client-ca: ca\.pem holds no PEM certificate .*: only (EC )?PRIVATE KEY$/,
    );
  });

  it('refuses a bundle with one certificate that does not parse, naming which', () => {
    const ca = readFileSync(pki.ca, 'utf8');
    expect(check(ca + corrupted(ca))).toThrow(
      /^--tls-client-ca: certificate 2 of 2 in ca\.pem does not parse: /,
    );
    const cut = ca.slice(0, ca.indexOf('-----END'));
    expect(check(cut)).toThrow(/^--tls-client-ca: certificate 1 of 1 in ca\.pem does not parse: /);
  });
});
