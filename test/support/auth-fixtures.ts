import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { withBearerToken } from '../../clients/credentials.js';
import type { TaskServiceClient } from '../../src/api/generated/codeq/v1/TaskService.js';
import type { WorkerServiceClient } from '../../src/api/generated/codeq/v1/WorkerService.js';
import { codeqProto } from '../../src/api/proto.js';
import { hashToken } from '../../src/auth/token-file.js';

/** A temporary directory, removed by `remove()`. */
export function tempDir(): { dir: string; path(name: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'codeq-auth-'));
  return {
    dir,
    path: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** One token of a test token file, with its plaintext (which the file itself never holds). */
export interface TestToken {
  name: string;
  token: string;
  grants: Record<string, string[]>;
  workerId?: string;
  rateLimit?: { perSecond: number; burst?: number };
}

/** Writes a token file holding the hashes of `tokens`. */
export function writeTokenFile(path: string, tokens: TestToken[]): string {
  const entries = tokens.map(({ token, ...rest }) => ({ ...rest, sha256: hashToken(token) }));
  writeFileSync(path, JSON.stringify({ tokens: entries }, null, 2));
  return path;
}

/** A JWT issuer with its own key pair: a JWKS to trust and a way to sign tokens. */
export async function jwtIssuer(kid = 'test-key'): Promise<{
  jwks: { keys: Record<string, unknown>[] };
  sign(
    claims: JWTPayload,
    /** `expiresIn: null` leaves `exp` out; `issuedAt` (epoch seconds) replaces now as `iat`. */
    options?: {
      expiresIn?: string | number | null;
      issuedAt?: number;
      audience?: string;
      issuer?: string;
    },
  ): Promise<string>;
}> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    async sign(claims, options = {}) {
      let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).setIssuedAt(options.issuedAt);
      if (options.expiresIn !== null) jwt = jwt.setExpirationTime(options.expiresIn ?? '5m');
      if (options.audience !== undefined) jwt = jwt.setAudience(options.audience);
      if (options.issuer !== undefined) jwt = jwt.setIssuer(options.issuer);
      return jwt.sign(privateKey);
    },
  };
}

/** Paths of a test PKI: one CA, a server certificate for 127.0.0.1 and localhost, a client certificate. */
export interface TestCertificates {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('nice', ['-n', '19', 'openssl', ...args], { cwd, stdio: 'pipe' });
}

/** Issues a fresh CA, server and client certificate with the openssl CLI (EC P-256, valid one day). */
export function makeCertificates(dir: string, prefix = ''): TestCertificates {
  const file = (name: string): string => join(dir, `${prefix}${name}`);
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...key,
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=codeq test CA',
    ],
    dir,
  );
  for (const [name, ext] of [
    ['server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'],
    ['client', 'extendedKeyUsage=clientAuth\n'],
  ] as const) {
    writeFileSync(file(`${name}.ext`), ext);
    openssl(
      [
        'req',
        ...key,
        '-keyout',
        file(`${name}.key`),
        '-out',
        file(`${name}.csr`),
        '-subj',
        `/CN=codeq test ${name}`,
      ],
      dir,
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        file(`${name}.csr`),
        '-CA',
        file('ca.pem'),
        '-CAkey',
        file('ca.key'),
        '-set_serial',
        String(Date.now()),
        '-days',
        '1',
        '-out',
        file(`${name}.pem`),
        '-extfile',
        file(`${name}.ext`),
      ],
      dir,
    );
  }
  return {
    ca: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
  };
}

/** Generated clients that send `token` (if any), for calls the Producer and Worker do not make. */
export function tokenClients(
  address: string,
  token: string | undefined,
): { tasks: TaskServiceClient; workers: WorkerServiceClient; close(): void } {
  const v1 = codeqProto().codeq.v1;
  const options = withBearerToken({}, token);
  const tasks: TaskServiceClient = new v1.TaskService(address, grpc.credentials.createInsecure(), options);
  const workers: WorkerServiceClient = new v1.WorkerService(
    address,
    grpc.credentials.createInsecure(),
    options,
  );
  return {
    tasks,
    workers,
    close() {
      tasks.close();
      workers.close();
    },
  };
}
