import { copyFileSync, writeFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Producer, tlsCredentials, Worker } from '../../clients/index.js';
import { serverConfig } from '../../src/config/server-config.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { ServerSecurity } from '../../src/server/auth/server-security.js';
import { createLogger } from '../../src/telemetry/logger.js';
import {
  makeCertificates,
  tempDir,
  writeTokenFile,
  type TestCertificates,
} from '../support/auth-fixtures.js';
import { rejection, startTestServer, type TestServer } from '../support/test-server.js';

const dir = tempDir();
let pki: TestCertificates;
let otherPki: TestCertificates;
const closers: (() => unknown)[] = [];

function producer(server: TestServer, credentials: grpc.ChannelCredentials, token?: string): Producer {
  const p = new Producer({
    address: server.address,
    credentials,
    // A connection of its own: grpc-js otherwise shares one between equal channels, and
    // these tests need each producer to make its own TLS handshake.
    channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
    ...(token !== undefined && { token }),
  });
  closers.push(() => p.close());
  return p;
}

async function started(overrides: Parameters<typeof serverConfig>[0]): Promise<TestServer> {
  const server = await startTestServer(new MemoryStore(), overrides);
  closers.push(() => server.stop());
  return server;
}

beforeAll(() => {
  pki = makeCertificates(dir.dir, 'a-');
  otherPki = makeCertificates(dir.dir, 'b-');
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

afterAll(() => dir.remove());

describe('TLS', () => {
  it('serves producers and workers over TLS, and no plaintext client', async () => {
    const server = await started({ tlsCert: pki.serverCert, tlsKey: pki.serverKey });
    const credentials = tlsCredentials({ caFile: pki.ca });
    // A CA file with no certificate in it (here a key) would trust no server: refused at once.
    expect(() => tlsCredentials({ caFile: pki.serverKey })).toThrow(
      /^caFile: .* holds no PEM certificate \(-----BEGIN CERTIFICATE-----\): only PRIVATE KEY$/,
    );
    const { taskId } = await producer(server, credentials).enqueue('secure', 'over tls');
    const done = new Promise<string>((resolve) => {
      const worker = new Worker({
        address: server.address,
        credentials,
        queues: ['secure'],
        logger: { warn: () => undefined },
        handler: (task) => {
          resolve(task.payload.toString());
          return Promise.resolve('ok');
        },
      });
      closers.push(() => worker.stop());
      void worker.start();
    });
    expect(await done).toBe('over tls');
    const plaintext = await rejection(
      producer(server, grpc.credentials.createInsecure()).getTask('secure', taskId, { deadlineMs: 2_000 }),
    );
    expect([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]).toContain(plaintext.code);
    // A client that does not trust the server's CA refuses the connection.
    const untrusted = await rejection(
      producer(server, tlsCredentials({ caFile: otherPki.ca })).getTask('secure', taskId, {
        deadlineMs: 2_000,
      }),
    );
    expect([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]).toContain(untrusted.code);
  });

  it('with a client CA (mutual TLS) refuses a client without a certificate and serves one with', async () => {
    const server = await started({ tlsCert: pki.serverCert, tlsKey: pki.serverKey, tlsClientCa: pki.ca });
    const without = await rejection(
      producer(server, tlsCredentials({ caFile: pki.ca })).enqueue('mtls', 'x', { deadlineMs: 2_000 }),
    );
    expect([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]).toContain(without.code);
    const foreign = await rejection(
      producer(
        server,
        tlsCredentials({ caFile: pki.ca, certFile: otherPki.clientCert, keyFile: otherPki.clientKey }),
      ).enqueue('mtls', 'x', { deadlineMs: 2_000 }),
    );
    expect([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]).toContain(foreign.code);
    const withCert = tlsCredentials({ caFile: pki.ca, certFile: pki.clientCert, keyFile: pki.clientKey });
    const { taskId } = await producer(server, withCert).enqueue('mtls', 'x');
    expect(taskId).not.toBe('');
  });

  it('takes a bearer token over TLS', async () => {
    const server = await started({
      tlsCert: pki.serverCert,
      tlsKey: pki.serverKey,
      authTokenFile: writeTokenFile(dir.path('tokens.json'), [
        { name: 'p', token: 'tls-token-0123456789', grants: { '*': ['enqueue'] } },
      ]),
    });
    const credentials = tlsCredentials({ caFile: pki.ca });
    await producer(server, credentials, 'tls-token-0123456789').enqueue('q', 'x');
    const err = await rejection(producer(server, credentials).enqueue('q', 'x'));
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('reloads its certificate, keeping the old one when the new files do not load', async () => {
    const cert = dir.path('live.pem');
    const key = dir.path('live.key');
    copyFileSync(pki.serverCert, cert);
    copyFileSync(pki.serverKey, key);
    const lines: string[] = [];
    const config = serverConfig({ listen: '127.0.0.1:0', tlsCert: cert, tlsKey: key });
    const security = new ServerSecurity(
      config,
      createLogger('error', (l) => lines.push(l)),
    );
    const server = await startTestServer(new MemoryStore(), config, { security });
    closers.push(() => server.stop());
    const trustsA = tlsCredentials({ caFile: pki.ca });
    const trustsB = tlsCredentials({ caFile: otherPki.ca });
    await producer(server, trustsA).enqueue('q', 'x');

    // A key that does not match the certificate is refused; A's certificate stays.
    copyFileSync(otherPki.serverCert, cert);
    expect(security.reload()).toBe(false);
    expect(lines.join('')).toMatch(/kept the certificates in force/);
    await producer(server, trustsA).enqueue('q', 'x');

    copyFileSync(otherPki.serverKey, key);
    expect(security.reload()).toBe(true);
    // New connections get B's certificate.
    await producer(server, trustsB).enqueue('q', 'x');
    const stale = await rejection(producer(server, trustsA).enqueue('q', 'x', { deadlineMs: 2_000 }));
    expect([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]).toContain(stale.code);
  });

  it('names the flag of a missing or unusable file at start', () => {
    const build = (overrides: Parameters<typeof serverConfig>[0]) => () =>
      new ServerSecurity(
        serverConfig(overrides),
        createLogger('error', () => undefined),
      );
    expect(build({ tlsCert: pki.serverCert })).toThrow('--tls-cert, --tls-key: give both or neither');
    expect(build({ tlsCert: dir.path('nope.pem'), tlsKey: pki.serverKey })).toThrow(
      '--tls-cert: cannot read',
    );
    expect(build({ tlsClientCa: pki.ca })).toThrow('--tls-client-ca: needs --tls-cert');
    writeFileSync(dir.path('garbage.pem'), 'not a certificate');
    expect(build({ tlsCert: dir.path('garbage.pem'), tlsKey: pki.serverKey })).toThrow(
      '--tls-cert, --tls-key: do not load together',
    );
    // Node loads a client CA without a certificate and the server then refuses every
    // client: such a file stops the start instead.
    const tls = { tlsCert: pki.serverCert, tlsKey: pki.serverKey };
    expect(build({ ...tls, tlsClientCa: dir.path('garbage.pem') })).toThrow(
      /^--tls-client-ca: .*garbage\.pem holds no PEM certificate/,
    );
    expect(build({ ...tls, tlsClientCa: pki.clientKey })).toThrow(
      /^--tls-client-ca: .*client\.key holds no PEM certificate .*PRIVATE KEY/,
    );
  });

  it('keeps the client CA in force when the new client-CA file holds no certificate', async () => {
    const ca = dir.path('live-ca.pem');
    copyFileSync(pki.ca, ca);
    const lines: string[] = [];
    const config = serverConfig({
      listen: '127.0.0.1:0',
      tlsCert: pki.serverCert,
      tlsKey: pki.serverKey,
      tlsClientCa: ca,
    });
    const security = new ServerSecurity(
      config,
      createLogger('error', (l) => lines.push(l)),
    );
    const server = await startTestServer(new MemoryStore(), config, { security });
    closers.push(() => server.stop());
    const withCert = tlsCredentials({ caFile: pki.ca, certFile: pki.clientCert, keyFile: pki.clientKey });
    await producer(server, withCert).enqueue('q', 'x');

    writeFileSync(ca, 'garbage\n');
    expect(security.reload()).toBe(false);
    expect(lines.join('')).toMatch(
      /kept the certificates in force.*--tls-client-ca: .*holds no PEM certificate/,
    );
    // A client certificate signed by the CA in force is still taken, on a new connection.
    await producer(server, withCert).enqueue('q', 'x', { deadlineMs: 5_000 });
  });
});
