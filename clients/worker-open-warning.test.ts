import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startFakeServer, type FakeServer } from './testing/fake-codeq-server.js';
import { RecordingLogger } from './testing/worker-harness.js';
import { Worker } from './worker.js';
import type { WorkerOptions } from './worker-options.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function worker(server: FakeServer, logger: RecordingLogger, options: Partial<WorkerOptions> = {}): Worker {
  const w = new Worker({
    address: server.address,
    queues: ['q'],
    handler: () => Promise.resolve(),
    logger,
    openWarningMs: 300,
    ...options,
  });
  cleanups.push(() => w.stop());
  return w;
}

describe('Worker: a stream that does not open', () => {
  it('says so when its stream waits behind the server’s per-connection stream cap, and starts once there is room', async () => {
    // The server allows one stream per connection; two Workers of one process share one.
    const server = await startFakeServer({
      onClaim: (stream) => stream.autoOpen(),
      serverOptions: { 'grpc.max_concurrent_streams': 1 },
    });
    cleanups.push(() => server.stop());
    const firstLog = new RecordingLogger();
    const first = worker(server, firstLog);
    await first.start();
    const secondLog = new RecordingLogger();
    const second = worker(server, secondLog);
    let started = false;
    const starting = second.start().then(() => (started = true));

    await eventually(() => secondLog.warnings.length > 0, 'the warning', 5_000);
    expect(secondLog.warnings).toHaveLength(1);
    expect(secondLog.warnings[0]).toMatch(
      new RegExp(`no Claim stream open to ${server.address} after 300 ms: .*--max-concurrent-streams`),
    );
    expect(started).toBe(false);
    expect(server.streams).toHaveLength(1);
    expect(firstLog.warnings).toEqual([]);

    // The first Worker leaves: its stream ends, and the waiting one opens.
    await first.stop();
    await starting;
    expect(server.streams).toHaveLength(2);
    expect(secondLog.warnings).toHaveLength(1);
  });

  it('says so when the server never answers the open, once', async () => {
    const server = await startFakeServer();
    cleanups.push(() => server.stop());
    const log = new RecordingLogger();
    const w = worker(server, log);
    void w.start().catch(() => {});
    await server.stream(0);
    await eventually(() => log.warnings.length > 0, 'the warning', 5_000);
    await new Promise((r) => setTimeout(r, 400));
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toMatch(/no Claim stream open to .* after 300 ms: the server has not answered/);
  });

  it('stays quiet when the stream opens in time', async () => {
    const server = await startFakeServer({ onClaim: (stream) => stream.autoOpen() });
    cleanups.push(() => server.stop());
    const log = new RecordingLogger();
    const w = worker(server, log, { openWarningMs: 200 });
    await w.start();
    await new Promise((r) => setTimeout(r, 400));
    expect(log.warnings).toEqual([]);
  });

  it('refuses an openWarningMs that is not a duration', () => {
    expect(
      () =>
        new Worker({
          address: 'localhost:1',
          queues: ['q'],
          handler: () => Promise.resolve(),
          openWarningMs: -1,
        }),
    ).toThrow(/openWarningMs: must be a finite number >= 0/);
  });
});
