import { connect, type ClientHttp2Session } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../../clients/index.js';
import type { ClaimResponse__Output } from '../../src/api/generated/codeq/v1/ClaimResponse.js';
import { serverConfig } from '../../src/config/server-config.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { CodeqServer } from '../../src/server/codeq-server.js';
import { H2ClaimCall } from './h2-claim-call.js';

/** Larger than an HTTP/2 frame (16 KiB by default): its lease arrives in several reads. */
const LARGE = Buffer.alloc(100_000, 'abcdefgh');

describe('H2ClaimCall, a Claim stream over a bare HTTP/2 session', () => {
  const store = new MemoryStore();
  let server: CodeqServer;
  let session: ClientHttp2Session;
  let producer: Producer;

  beforeAll(async () => {
    server = new CodeqServer(serverConfig({ listen: '127.0.0.1:0', drainGraceMs: 1_000 }), {
      store,
      ownsStore: false,
    });
    await server.start();
    session = connect(`http://127.0.0.1:${server.port}`);
    producer = new Producer({ address: `127.0.0.1:${server.port}` });
  });

  afterAll(async () => {
    producer.close();
    session.close();
    await server.stop();
    await store.close();
  });

  /** Collects a call's messages; `until` resolves once `count` leases and outcomes came in all. */
  function collect(call: H2ClaimCall): {
    messages: ClaimResponse__Output[];
    until: (count: (m: ClaimResponse__Output[]) => boolean) => Promise<void>;
  } {
    const messages: ClaimResponse__Output[] = [];
    const waiters: (() => void)[] = [];
    call.on('data', (m: ClaimResponse__Output) => {
      messages.push(m);
      for (const w of waiters.splice(0)) w();
    });
    const until = async (done: (m: ClaimResponse__Output[]) => boolean): Promise<void> => {
      while (!done(messages)) await new Promise<void>((r) => waiters.push(r));
    };
    return { messages, until };
  }

  it('opens, takes leases whole however they were split, and completes them', async () => {
    const call = new H2ClaimCall(session);
    const { messages, until } = collect(call);
    call.write({ open: { workerId: 'h2', queues: ['h2'] }, credit: 3 });
    await until((m) => m.some((x) => x.opened));
    const sent = [Buffer.from('small'), LARGE, Buffer.alloc(0)];
    for (const payload of sent) await producer.enqueue('h2', payload);
    const leases = () => messages.flatMap((m) => m.leases);
    await until(() => leases().length === 3);
    expect(leases().map((l) => Buffer.compare(l.task!.payload!, sent[leases().indexOf(l)]!))).toEqual([
      0, 0, 0,
    ]);
    call.write({ completes: leases().map((l) => ({ leaseId: l.leaseId! })) });
    const outcomes = () => messages.flatMap((m) => m.outcomes);
    await until(() => outcomes().length === 3);
    expect(outcomes().map((o) => [o.kind, o.code ?? 0])).toEqual([
      ['COMPLETE', 0],
      ['COMPLETE', 0],
      ['COMPLETE', 0],
    ]);
    const status = new Promise<{ code: number }>((resolve) => call.on('status', resolve));
    call.end();
    expect((await status).code).toBe(0);
  });

  it("reports the server's status when it refuses the stream", async () => {
    const call = new H2ClaimCall(session);
    const status = new Promise<{ code: number; details: string }>((resolve) => call.on('status', resolve));
    // A stream's first message must open it.
    call.write({ credit: 1 });
    const { code, details } = await status;
    expect(code).toBe(3);
    expect(details).toContain('open');
  });
});
