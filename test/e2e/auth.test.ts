import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Producer, Worker } from '../../clients/index.js';
import { enqueueCommand } from '../../src/cli/task-commands.js';
import { formatLeaseId } from '../../src/domain/lease-id.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { ServerSecurity } from '../../src/server/auth/server-security.js';
import { serverConfig } from '../../src/config/server-config.js';
import { createLogger } from '../../src/telemetry/logger.js';
import {
  jwtIssuer,
  tempDir,
  tokenClients,
  writeTokenFile,
  type TestToken,
} from '../support/auth-fixtures.js';
import { RawStream, rejection, startTestServer, type TestServer } from '../support/test-server.js';

const PRODUCER: TestToken = {
  name: 'producer-a',
  token: 'prod-a-7f3c9e1b2d4a6f80',
  grants: { 'tenant-a.*': ['enqueue', 'read'] },
};
const WORKER: TestToken = {
  name: 'worker-a',
  token: 'work-a-5b8d2e7c1a9f3064',
  grants: { 'tenant-a.*': ['claim'] },
  workerId: 'worker-a-from-token',
};
const OTHER_WORKER: TestToken = {
  name: 'worker-c',
  token: 'work-c-3e9a1f7d5c2b8064',
  grants: { 'tenant-c.*': ['claim'] },
};
const OPS: TestToken = { name: 'ops', token: 'ops-0c1d2e3f4a5b6c7d', grants: { '*': ['admin'] } };
const LIMITED: TestToken = {
  name: 'limited',
  token: 'limited-9a8b7c6d5e4f3a2b',
  grants: { '*': ['enqueue'] },
  rateLimit: { perSecond: 2, burst: 3 },
};
const AUDIENCE = 'codeq-test';
const ISSUER = 'https://issuer.test';

const silentWorkerLogger = { warn: () => undefined };
const dir = tempDir();
const logLines: string[] = [];
const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
let issuer: Awaited<ReturnType<typeof jwtIssuer>>;
let server: TestServer;
let security: ServerSecurity;
const closers: (() => unknown)[] = [];
const secrets: string[] = [];
let queues = 0;

/** A fresh queue under tenant-a (or another prefix). */
function queue(prefix = 'tenant-a'): string {
  return `${prefix}.q${++queues}`;
}

function producer(token?: string): Producer {
  const p = new Producer({ address: server.address, ...(token !== undefined && { token }) });
  closers.push(() => p.close());
  return p;
}

async function codeOf(promise: Promise<unknown>): Promise<status> {
  return (await rejection(promise)).code;
}

beforeAll(async () => {
  issuer = await jwtIssuer();
  writeFileSync(dir.path('jwks.json'), JSON.stringify(issuer.jwks));
  const logger = createLogger('debug', (line) => logLines.push(line));
  const config = serverConfig({
    listen: '127.0.0.1:0',
    authTokenFile: writeTokenFile(dir.path('tokens.json'), [PRODUCER, WORKER, OTHER_WORKER, OPS, LIMITED]),
    authJwksFile: dir.path('jwks.json'),
    authJwtAudience: AUDIENCE,
    authJwtIssuer: ISSUER,
  });
  security = new ServerSecurity(config, logger);
  server = await startTestServer(new MemoryStore(), config, { logger, tracerProvider, security });
  secrets.push(PRODUCER.token, WORKER.token, OTHER_WORKER.token, OPS.token, LIMITED.token);
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

afterAll(async () => {
  await server.stop();
  await tracerProvider.shutdown();
  dir.remove();
});

describe('static tokens', () => {
  it('refuses a call without a token, or with an unknown one, as UNAUTHENTICATED', async () => {
    const q = queue();
    const anonymous = await rejection(producer().enqueue(q, 'x'));
    expect(anonymous.code).toBe(status.UNAUTHENTICATED);
    expect(anonymous.details).toMatch(/^authorization: missing/);
    const unknown = await rejection(producer('not-a-token').enqueue(q, 'x'));
    expect(unknown.code).toBe(status.UNAUTHENTICATED);
    expect(await codeOf(producer().getTask(q, 'abc'))).toBe(status.UNAUTHENTICATED);
    const clients = tokenClients(server.address, undefined);
    closers.push(() => clients.close());
    const stream = new RawStream(clients.workers);
    stream.send({ open: { queues: [q] }, credit: 1 });
    expect((await stream.ended()).code).toBe(status.UNAUTHENTICATED);
  });

  it('lets a token enqueue and read only on the queues its grants cover', async () => {
    const p = producer(PRODUCER.token);
    const q = queue();
    const { taskId } = await p.enqueue(q, 'hello');
    expect((await p.getTask(q, taskId)).state).toBe('PENDING');
    const other = await rejection(p.enqueue(queue('tenant-b'), 'x'));
    expect(other.code).toBe(status.PERMISSION_DENIED);
    expect(other.details).toMatch(/"producer-a" lacks the enqueue scope on queue "tenant-b\.q\d+"/);
    // A batch is refused whole when one task's queue is not granted.
    const q2 = queue();
    const batch = p.enqueueBatch([
      { queue: q2, payload: 'ok' },
      { queue: queue('tenant-b'), payload: 'no' },
    ]);
    expect(await codeOf(batch)).toBe(status.PERMISSION_DENIED);
    expect(await codeOf(producer(OPS.token).getTask(q2, taskId))).toBe(status.NOT_FOUND);
  });

  it('needs read for GetTask and enqueue (or admin) for CancelTask', async () => {
    const q = queue();
    const { taskId } = await producer(PRODUCER.token).enqueue(q, 'x');
    const worker = producer(WORKER.token);
    expect(await codeOf(worker.getTask(q, taskId))).toBe(status.PERMISSION_DENIED);
    expect(await codeOf(worker.cancel(q, taskId))).toBe(status.PERMISSION_DENIED);
    expect(await producer(PRODUCER.token).cancel(q, taskId)).toBe(true);
    expect((await producer(OPS.token).getTask(q, taskId)).state).toBe('CANCELLED');
  });

  it('lets a worker claim only queues it holds claim on, and takes its worker id from the token', async () => {
    const q = queue();
    const { taskId } = await producer(PRODUCER.token).enqueue(q, 'work');
    exporter.reset();
    const done = new Promise<string>((resolve) => {
      const worker = new Worker({
        address: server.address,
        token: WORKER.token,
        queues: [q],
        workerId: 'claims-to-be-someone-else',
        logger: silentWorkerLogger,
        handler: (task) => {
          resolve(task.id);
          return Promise.resolve('done');
        },
      });
      closers.push(() => worker.stop());
      void worker.start();
    });
    expect(await done).toBe(taskId);
    const serialize = exporter.getFinishedSpans().find((s) => s.name === 'codeq.serialize');
    expect(serialize?.attributes['codeq.worker.id']).toBe('worker-a-from-token');

    const refused = new Worker({
      address: server.address,
      token: WORKER.token,
      queues: [q, queue('tenant-b')],
      logger: silentWorkerLogger,
      handler: () => Promise.resolve(),
    });
    closers.push(() => refused.stop());
    const err = await rejection(refused.start());
    expect(err.code).toBe(status.PERMISSION_DENIED);
    expect(err.details).toMatch(/lacks the claim scope on queue "tenant-b/);
    // A producer token holds no claim scope at all.
    const clients = tokenClients(server.address, PRODUCER.token);
    closers.push(() => clients.close());
    const stream = new RawStream(clients.workers);
    stream.send({ open: { queues: [q] }, credit: 1 });
    expect((await stream.ended()).code).toBe(status.PERMISSION_DENIED);
  });

  it('closes an authenticated Claim stream that ends before its first message', async () => {
    const clients = tokenClients(server.address, WORKER.token);
    closers.push(() => clients.close());
    const stream = new RawStream(clients.workers);
    stream.stream.end();
    expect((await stream.ended()).code).toBe(status.OK);
  });

  it('needs claim on the lease queue for a unary Complete', async () => {
    const q = queue();
    await producer(PRODUCER.token).enqueue(q, 'x');
    const clients = tokenClients(server.address, WORKER.token);
    closers.push(() => clients.close());
    const stream = new RawStream(clients.workers);
    closers.push(() => stream.close());
    stream.send({ open: { queues: [q] }, credit: 1 });
    const [lease] = await stream.waitForLeases(1);
    const leaseId = lease!.leaseId!;
    expect(await codeOf(producer(PRODUCER.token).completeLease(leaseId, 'r'))).toBe(status.PERMISSION_DENIED);
    await producer(WORKER.token).completeLease(leaseId, 'r');
  });

  it('settles a lease on a stream of another queue when the caller may claim from its queue', async () => {
    const q = queue();
    const { taskId } = await producer(PRODUCER.token).enqueue(q, 'x');
    const stream = (token: string, queues: string[], credit = 0): RawStream => {
      const clients = tokenClients(server.address, token);
      closers.push(() => clients.close());
      const s = new RawStream(clients.workers);
      closers.push(() => s.close());
      s.send({ open: { queues }, credit });
      return s;
    };
    const [lease] = await stream(WORKER.token, [q], 1).waitForLeases(1);
    const leaseId = lease!.leaseId!;
    // Another tenant's worker: no claim scope on q, so the lease stays held.
    const stranger = stream(OTHER_WORKER.token, [queue('tenant-c')]);
    stranger.send({ completes: [{ leaseId, result: Buffer.from('theirs') }] });
    const refused = await stranger.next((r) => (r.outcomes ?? []).length > 0);
    expect(refused.outcomes[0]).toMatchObject({ leaseId, code: status.PERMISSION_DENIED });
    // The same worker's stream of another of its queues settles it.
    const other = stream(WORKER.token, [queue()]);
    other.send({ completes: [{ leaseId, result: Buffer.from('ours') }] });
    const done = await other.next((r) => (r.outcomes ?? []).length > 0);
    expect(done.outcomes[0]).toMatchObject({ leaseId, code: status.OK });
    const task = await producer(PRODUCER.token).getTask(q, taskId);
    expect(task).toMatchObject({ state: 'COMPLETED' });
    expect(task.result.toString()).toBe('ours');
  });

  it('limits enqueues per token, answering RESOURCE_EXHAUSTED with a retry hint', async () => {
    const p = producer(LIMITED.token);
    const q = queue('limited');
    for (let i = 0; i < 3; i++) await p.enqueue(q, `t${i}`);
    const err = await rejection(p.enqueue(q, 'over'));
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/retry after \d+ ms/);
    const retryAfter = Number(err.metadata.get('retry-after-ms')[0]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(500);
    // Other tokens are not affected.
    await producer(OPS.token).enqueue(q, 'ops');
    await new Promise((r) => setTimeout(r, retryAfter + 20));
    await p.enqueue(q, 'later');
    const batch = await rejection(
      p.enqueueBatch(Array.from({ length: 4 }, () => ({ queue: q, payload: 'x' }))),
    );
    expect(batch.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(batch.details).toMatch(/over the burst of 3/);
  });

  it('codeq enqueue --count keeps to a token rate limit: batches of its burst, waits as told', async () => {
    const q = queue('limited-count');
    const ids: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((id: string) => void ids.push(id));
    process.env.CODEQ_TOKEN = LIMITED.token;
    try {
      expect(await enqueueCommand([q, '--payload', 'x', '--count', '7', '--server', server.address])).toBe(0);
    } finally {
      delete process.env.CODEQ_TOKEN;
      log.mockRestore();
    }
    expect(new Set(ids).size).toBe(7);
    expect((await producer(OPS.token).getTask(q, ids[6]!)).state).toBe('PENDING');
  });

  it('reloads the token file: new tokens work, removed ones stop, a broken file changes nothing', async () => {
    const q = queue();
    const fresh: TestToken = { name: 'fresh', token: 'fresh-1122334455667788', grants: { '*': ['read'] } };
    secrets.push(fresh.token);
    const path = dir.path('tokens.json');
    const before = [PRODUCER, WORKER, OPS, LIMITED];
    try {
      writeTokenFile(path, [...before.filter((t) => t !== OPS), fresh]);
      expect(security.reload()).toBe(true);
      expect(await codeOf(producer(fresh.token).getTask(q, 'abc'))).toBe(status.NOT_FOUND);
      expect(await codeOf(producer(OPS.token).getTask(q, 'abc'))).toBe(status.UNAUTHENTICATED);
      writeFileSync(path, '{ "tokens": [ broken');
      expect(security.reload()).toBe(false);
      expect(logLines.some((l) => l.includes('reload: kept the credentials in force'))).toBe(true);
      expect(await codeOf(producer(fresh.token).getTask(q, 'abc'))).toBe(status.NOT_FOUND);
    } finally {
      writeTokenFile(path, before);
      security.reload();
    }
  });
});

describe('JWTs', () => {
  it('accepts a valid JWT with scopes per queue pattern; sub is the worker id', async () => {
    const jwt = await issuer.sign(
      { sub: 'svc-1', scope: 'openid enqueue:tenant-a.* read:tenant-a.* claim' },
      { audience: AUDIENCE, issuer: ISSUER },
    );
    secrets.push(jwt);
    const p = producer(jwt);
    const q = queue();
    const { taskId } = await p.enqueue(q, 'x');
    expect((await p.getTask(q, taskId)).state).toBe('PENDING');
    const denied = await rejection(p.enqueue(queue('tenant-b'), 'x'));
    expect(denied.code).toBe(status.PERMISSION_DENIED);
    expect(denied.details).toMatch(/jwt "svc-1" lacks the enqueue scope/);
    // A bare scope names no queues.
    expect(
      await codeOf(p.completeLease(formatLeaseId({ queue: q, taskId, token: 1, nonce: 'A'.repeat(16) }))),
    ).toBe(status.PERMISSION_DENIED);
  });

  it('refuses expired, foreign, wrongly addressed and tampered JWTs as UNAUTHENTICATED', async () => {
    const claims = { sub: 'svc-1', scope: 'enqueue:*' };
    const q = queue();
    const expired = await issuer.sign(claims, {
      audience: AUDIENCE,
      issuer: ISSUER,
      expiresIn: Math.floor(Date.now() / 1000) - 60,
    });
    const other = await (await jwtIssuer()).sign(claims, { audience: AUDIENCE, issuer: ISSUER });
    const wrongAudience = await issuer.sign(claims, { audience: 'someone-else', issuer: ISSUER });
    const wrongIssuer = await issuer.sign(claims, { audience: AUDIENCE, issuer: 'https://evil.test' });
    const good = await issuer.sign(claims, { audience: AUDIENCE, issuer: ISSUER });
    const [h, , s] = good.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, scope: 'admin:*' })).toString('base64url')}.${s}`;
    secrets.push(expired, other, wrongAudience, wrongIssuer, good, tampered);
    for (const [jwt, reason] of [
      [expired, /expired/],
      [other, /not valid or not signed by a trusted key/],
      [wrongAudience, /aud claim/],
      [wrongIssuer, /iss claim/],
      [tampered, /not valid/],
    ] as const) {
      const err = await rejection(producer(jwt).enqueue(q, 'x'));
      expect(err.code).toBe(status.UNAUTHENTICATED);
      expect(err.details).toMatch(reason);
    }
    await producer(good).enqueue(q, 'x');
  });

  it('limits JWT callers like static tokens (codeq_rate claim) and refuses a JWT without exp', async () => {
    const jwt = await issuer.sign(
      { sub: 'svc-rated', scope: 'enqueue:*', codeq_rate: { perSecond: 1, burst: 2 } },
      { audience: AUDIENCE, issuer: ISSUER },
    );
    const noExp = await issuer.sign(
      { sub: 'svc-1', scope: 'enqueue:*' },
      { audience: AUDIENCE, issuer: ISSUER, expiresIn: null },
    );
    secrets.push(jwt, noExp);
    const q = queue('rated');
    const p = producer(jwt);
    await p.enqueue(q, 'a');
    await p.enqueue(q, 'b');
    const err = await rejection(p.enqueue(q, 'c'));
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/"svc-rated" may enqueue 1 tasks\/s \(burst 2\)/);
    expect((await rejection(producer(noExp).enqueue(q, 'x'))).details).toMatch(/no exp claim/);
  });

  it('fetches the keys from a JWKS URL', async () => {
    const http: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(issuer.jwks));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/jwks.json`;
    const remote = await startTestServer(new MemoryStore(), { authJwksUrl: url, authJwtAudience: AUDIENCE });
    try {
      const jwt = await issuer.sign({ sub: 'svc-2', scope: 'enqueue:jobs' }, { audience: AUDIENCE });
      secrets.push(jwt);
      const p = new Producer({ address: remote.address, token: jwt });
      closers.push(() => p.close());
      await p.enqueue('jobs', 'x');
      expect(await codeOf(p.enqueue('other', 'x'))).toBe(status.PERMISSION_DENIED);
    } finally {
      await remote.stop();
      http.close();
    }
  });
});

describe('secrets', () => {
  it('never writes a token or JWT to the log or to a span', async () => {
    // Runs last: every token and JWT the tests above used, accepted or refused, is in `secrets`.
    expect(logLines.some((l) => l.includes('call refused'))).toBe(true);
    const spans = JSON.stringify(
      exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })),
    );
    const text = logLines.join('');
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(spans).not.toContain(secret);
    }
  });
});
