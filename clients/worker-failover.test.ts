import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_KEEPALIVE_TIME_MS, DEFAULT_KEEPALIVE_TIMEOUT_MS } from './keepalive.js';
import { eventually, startFakeServer, type FakeServer } from './testing/fake-codeq-server.js';
import { gate, RecordingLogger } from './testing/worker-harness.js';
import { Worker } from './worker.js';
import type { ReconnectEvent } from './worker-events.js';
import { resolveWorkerOptions } from './worker-options.js';

const handler = (): Promise<void> => Promise.resolve();

describe('Worker: several servers', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function healthyServer(): Promise<FakeServer> {
    const server = await startFakeServer({
      onClaim: (stream) => {
        stream.autoOpen();
        stream.autoAck();
      },
    });
    cleanups.push(() => server.stop());
    return server;
  }

  function worker(options: Partial<ConstructorParameters<typeof Worker>[0]>): Worker {
    const w = new Worker({
      queues: ['q'],
      handler,
      logger: new RecordingLogger(),
      reconnectInitialBackoffMs: 10,
      reconnectMaxBackoffMs: 50,
      settleTimeoutMs: 2_000,
      ...options,
    });
    cleanups.push(() => w.stop());
    return w;
  }

  it('moves to the next server when its stream fails, and settles the lease it held there', async () => {
    const a = await healthyServer();
    const b = await healthyServer();
    const running = gate();
    const w = worker({ addresses: [a.address, b.address], handler: () => running.promise });
    const reconnects: ReconnectEvent[] = [];
    w.on('reconnect', (e) => reconnects.push(e));
    await w.start();
    const onA = await a.stream(0);
    const [leaseId] = onA.lease();
    await eventually(() => w.inFlight === 1, 'the handler to start');

    onA.end(grpc.status.UNAVAILABLE, 'server gone');
    const onB = await b.stream(0);
    expect(reconnects[0]).toMatchObject({ code: grpc.status.UNAVAILABLE, address: b.address });
    // The held lease is claimed on the new server at once, before the old one's grace runs out.
    const extend = await onB.next((r) => r.extends.length > 0, 'an extend of the held lease');
    expect(extend.extends[0]!.leaseId).toBe(leaseId);
    running.open();
    const complete = await onB.next((r) => r.completes.length > 0, 'the complete');
    expect(complete.completes[0]!.leaseId).toBe(leaseId);
    expect(a.streams).toHaveLength(1);
  });

  it('goes round the list: from the last server back to the first', async () => {
    const a = await healthyServer();
    const b = await healthyServer();
    const w = worker({ address: a.address, addresses: [b.address] });
    await w.start();
    (await a.stream(0)).end(grpc.status.UNAVAILABLE, 'a gone');
    (await b.stream(0)).end(grpc.status.UNAVAILABLE, 'b gone');
    const again = await a.stream(1);
    await again.next((r) => r.open !== undefined && r.open !== null, 'the open on the first server');
    expect(b.streams).toHaveLength(1);
  });

  it('starts on the next server when the first cannot be reached', async () => {
    const down = await startFakeServer();
    const downAddress = down.address;
    await down.stop();
    const b = await healthyServer();
    const w = worker({ addresses: [downAddress, b.address] });
    await w.start();
    expect(b.streams).toHaveLength(1);
  });

  it('moves to the next server after its server drained', async () => {
    const a = await healthyServer();
    const b = await healthyServer();
    const w = worker({ addresses: [a.address, b.address] });
    await w.start();
    (await a.stream(0)).send({ draining: true });
    // With nothing in flight the worker ends the drained stream at once and moves on.
    await b.stream(0);
    expect(a.streams).toHaveLength(1);
  });
});

describe('resolveWorkerOptions: servers and keepalive', () => {
  it('lists address first, then addresses, without repeats', () => {
    const resolved = resolveWorkerOptions({
      address: 'a:1',
      addresses: ['b:1', 'a:1', 'c:1'],
      queues: ['q'],
      handler,
    });
    expect(resolved.addresses).toEqual(['a:1', 'b:1', 'c:1']);
  });

  it('needs at least one server, each a non-empty string', () => {
    expect(() => resolveWorkerOptions({ queues: ['q'], handler })).toThrow(/address/);
    expect(() => resolveWorkerOptions({ addresses: [], queues: ['q'], handler })).toThrow(/address/);
    expect(() => resolveWorkerOptions({ addresses: ['a:1', ''], queues: ['q'], handler })).toThrow(
      /addresses/,
    );
  });

  it('turns keepalive on by default, within the pings a codeQ server allows', () => {
    const { channelOptions } = resolveWorkerOptions({ address: 'a:1', queues: ['q'], handler });
    expect(channelOptions).toEqual({
      'grpc.keepalive_time_ms': DEFAULT_KEEPALIVE_TIME_MS,
      'grpc.keepalive_timeout_ms': DEFAULT_KEEPALIVE_TIMEOUT_MS,
      'grpc.keepalive_permit_without_calls': 1,
      // The server bounds what it sends (its --max-payload-bytes may pass gRPC's 4 MiB).
      'grpc.max_receive_message_length': -1,
      // A server back after a long outage is found within the worker's reconnect bound.
      'grpc.max_reconnect_backoff_ms': 10_000,
    });
    // The server's grpc.http2.min_ping_interval_without_data_ms.
    expect(DEFAULT_KEEPALIVE_TIME_MS).toBeGreaterThanOrEqual(5_000);
  });

  it('takes keepalive durations as options, and lets channelOptions override the grpc keys', () => {
    const resolved = resolveWorkerOptions({
      address: 'a:1',
      queues: ['q'],
      handler,
      keepaliveTimeMs: 0,
      keepaliveTimeoutMs: 1_000,
      reconnectMaxBackoffMs: 3_000,
      channelOptions: {
        'grpc.keepalive_permit_without_calls': 0,
        'grpc.primary_user_agent': 'x',
        'grpc.max_receive_message_length': 8 << 20,
      },
    });
    expect(resolved.channelOptions).toEqual({
      'grpc.keepalive_time_ms': 0,
      'grpc.keepalive_timeout_ms': 1_000,
      'grpc.keepalive_permit_without_calls': 0,
      'grpc.primary_user_agent': 'x',
      'grpc.max_receive_message_length': 8 << 20,
      'grpc.max_reconnect_backoff_ms': 3_000,
    });
    expect(() =>
      resolveWorkerOptions({ address: 'a:1', queues: ['q'], handler, keepaliveTimeoutMs: -1 }),
    ).toThrow(/keepaliveTimeoutMs/);
  });
});
