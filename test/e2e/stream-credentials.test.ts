import { writeFileSync } from 'node:fs';
import { status, type ClientDuplexStream, type StatusObject } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EnqueueStreamRequest } from '../../src/api/generated/codeq/v1/EnqueueStreamRequest.js';
import type { EnqueueStreamResponse__Output } from '../../src/api/generated/codeq/v1/EnqueueStreamResponse.js';
import { serverConfig } from '../../src/config/server-config.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { ServerSecurity } from '../../src/server/auth/server-security.js';
import { createLogger } from '../../src/telemetry/logger.js';
import {
  jwtIssuer,
  tempDir,
  tokenClients,
  writeTokenFile,
  type TestToken,
} from '../support/auth-fixtures.js';
import { RawStream, startTestServer, type TestServer } from '../support/test-server.js';

const WORKER: TestToken = { name: 'worker', token: 'worker-3c4d5e6f7a8b9c0d', grants: { '*': ['claim'] } };
const PRODUCER: TestToken = {
  name: 'producer',
  token: 'producer-1a2b3c4d5e6f7a8b',
  grants: { '*': ['enqueue'] },
};
/** Stays in the file throughout: what the test uses to see where the revoked stream's task went. */
const OBSERVER: TestToken = {
  name: 'observer',
  token: 'observer-9f8e7d6c5b4a3f2e',
  grants: { '*': ['claim', 'enqueue'] },
};
const AUDIENCE = 'codeq-test';
const ISSUER = 'https://issuer.test';
const GRACE_MS = 500;

const dir = tempDir();
let issuer: Awaited<ReturnType<typeof jwtIssuer>>;
let server: TestServer;
let security: ServerSecurity;
const closers: (() => unknown)[] = [];
let queues = 0;

/** An EnqueueStream of the generated client that records the status it ends with. */
function enqueueStream(token: string): {
  stream: ClientDuplexStream<EnqueueStreamRequest, EnqueueStreamResponse__Output>;
  ended: Promise<StatusObject>;
} {
  const clients = tokenClients(server.address, token);
  closers.push(() => clients.close());
  const stream = clients.tasks.EnqueueStream();
  stream.on('data', () => undefined);
  stream.on('error', () => undefined);
  const ended = new Promise<StatusObject>((resolve) => stream.on('status', resolve));
  closers.push(() => stream.cancel());
  return { stream, ended };
}

/** A Claim stream with `token` on a fresh queue, holding one lease of the task enqueued there. */
async function claimStream(token: string): Promise<{ stream: RawStream; queue: string; taskId: string }> {
  const queue = `creds.q${++queues}`;
  const observer = tokenClients(server.address, OBSERVER.token);
  closers.push(() => observer.close());
  const taskId = await new Promise<string>((resolve, reject) =>
    observer.tasks.Enqueue({ queue, payload: Buffer.from('x') }, (err, res) =>
      err ? reject(err) : resolve(res!.taskId!),
    ),
  );
  const clients = tokenClients(server.address, token);
  closers.push(() => clients.close());
  const stream = new RawStream(clients.workers);
  closers.push(() => stream.close());
  stream.send({ open: { queues: [queue], leaseDuration: { seconds: 60 } }, credit: 1 });
  await stream.waitForLeases(1);
  return { stream, queue, taskId };
}

/** The task comes back after the reconnect grace (not the 60 s lease): another worker gets it, attempt 2. */
async function redeliveredAfterGrace(queue: string, taskId: string): Promise<void> {
  const clients = tokenClients(server.address, OBSERVER.token);
  closers.push(() => clients.close());
  const other = new RawStream(clients.workers);
  closers.push(() => other.close());
  other.send({ open: { queues: [queue] }, credit: 1 });
  const [lease] = await other.waitForLeases(1, 10_000);
  expect(lease!.task!.id).toBe(taskId);
  expect(lease!.task!.attempt).toBe(2);
}

beforeAll(async () => {
  issuer = await jwtIssuer();
  const config = serverConfig({
    listen: '127.0.0.1:0',
    authTokenFile: writeTokenFile(dir.path('tokens.json'), [WORKER, PRODUCER, OBSERVER]),
    authJwksFile: dir.path('jwks.json'),
    authJwtAudience: AUDIENCE,
    authJwtIssuer: ISSUER,
    leaseReconnectGraceMs: GRACE_MS,
  });
  writeFileSync(dir.path('jwks.json'), JSON.stringify(issuer.jwks));
  const logger = createLogger('error', () => undefined);
  security = new ServerSecurity(config, logger);
  server = await startTestServer(new MemoryStore(), config, { logger, security });
});

beforeEach(() => {
  writeTokenFile(dir.path('tokens.json'), [WORKER, PRODUCER, OBSERVER]);
  writeFileSync(dir.path('jwks.json'), JSON.stringify(issuer.jwks));
  expect(security.reload()).toBe(true);
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

afterAll(async () => {
  await server.stop();
  dir.remove();
});

describe('credentials of open streams', () => {
  it('ends the Claim and EnqueueStream streams of tokens removed from the token file on reload, with UNAUTHENTICATED', async () => {
    const { stream, queue, taskId } = await claimStream(WORKER.token);
    const producer = enqueueStream(PRODUCER.token);
    const kept = enqueueStream(OBSERVER.token);
    let keptEnded = false;
    void kept.ended.then(() => (keptEnded = true));

    writeTokenFile(dir.path('tokens.json'), [OBSERVER]);
    const reloadedAt = Date.now();
    expect(security.reload()).toBe(true);

    const claimEnd = await stream.ended(2_000);
    expect(claimEnd.code).toBe(status.UNAUTHENTICATED);
    expect(claimEnd.details).toMatch(/unknown token/);
    expect((await producer.ended).code).toBe(status.UNAUTHENTICATED);
    expect(Date.now() - reloadedAt).toBeLessThan(2_000);
    // A token still in the file keeps its stream.
    expect(keptEnded).toBe(false);
    await redeliveredAfterGrace(queue, taskId);
  });

  it('ends the streams of a JWT whose key left the JWKS file on reload', async () => {
    const jwt = await issuer.sign(
      { sub: 'svc', scope: 'claim:* enqueue:*' },
      { audience: AUDIENCE, issuer: ISSUER },
    );
    const { stream, queue, taskId } = await claimStream(jwt);
    const producer = enqueueStream(jwt);

    writeFileSync(dir.path('jwks.json'), JSON.stringify((await jwtIssuer('other-key')).jwks));
    expect(security.reload()).toBe(true);

    expect((await stream.ended(2_000)).code).toBe(status.UNAUTHENTICATED);
    expect((await producer.ended).code).toBe(status.UNAUTHENTICATED);
    await redeliveredAfterGrace(queue, taskId);
  });

  it('ends the streams of a JWT once it expires (exp, plus the 5 s clock skew every call is allowed)', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const jwt = await issuer.sign(
      { sub: 'svc', scope: 'claim:* enqueue:*' },
      { audience: AUDIENCE, issuer: ISSUER, expiresIn: exp },
    );
    const { stream, queue, taskId } = await claimStream(jwt);
    const producer = enqueueStream(jwt);

    const end = await stream.ended(15_000);
    expect(end.code).toBe(status.UNAUTHENTICATED);
    expect(end.details).toMatch(/expired/);
    expect((await producer.ended).code).toBe(status.UNAUTHENTICATED);
    // Not before a new call with it would be refused, and within about a second after.
    const expiredAt = (exp + 5) * 1000;
    expect(Date.now()).toBeGreaterThanOrEqual(expiredAt);
    expect(Date.now()).toBeLessThan(expiredAt + 3_000);
    await redeliveredAfterGrace(queue, taskId);
  }, 30_000);
});
