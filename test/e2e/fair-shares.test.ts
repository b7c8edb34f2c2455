import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Admin, Producer, Worker } from '../../clients/index.js';
import { serverConfig } from '../../src/config/server-config.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { ServerSecurity } from '../../src/server/auth/server-security.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { tempDir, writeTokenFile, type TestToken } from '../support/auth-fixtures.js';
import { storeKinds, type StoreKind } from '../support/stores.js';
import { rejection, startTestServer } from '../support/test-server.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup.length = 0;
});

function uniqueQueue(name: string): string {
  return `${name}-${Math.random().toString(36).slice(2, 8)}`;
}

function clientsOf(address: string, token?: string): { producer: Producer; admin: Admin } {
  const producer = new Producer({ address, ...(token !== undefined && { token }) });
  const admin = new Admin({ address, ...(token !== undefined && { token }) });
  cleanup.push(
    () => producer.close(),
    () => admin.close(),
  );
  return { producer, admin };
}

describe.each(storeKinds())('fair shares over the API ($name store)', (kind: StoreKind) => {
  it('hands a quiet key its turn ahead of a flood, and shows keys and limits', async () => {
    const { store, close } = await kind.open();
    const s = await startTestServer(store);
    cleanup.push(close, () => s.stop());
    const queue = uniqueQueue('fair');
    const { producer, admin } = clientsOf(s.address);
    await admin.pause(queue);
    for (let i = 0; i < 4; i++) await producer.enqueue(queue, `flood-${i}`, { fairnessKey: 'flood' });
    const { taskId } = await producer.enqueue(queue, 'quiet', { fairnessKey: 'quiet' });
    expect((await producer.getTask(queue, taskId)).fairnessKey).toBe('quiet');
    expect(await admin.setConfig(queue, { maxLeasedPerKey: 1, maxClaimsPerSecond: 0 })).toEqual({
      maxLeasedPerKey: 1,
      maxClaimsPerSecond: 0,
    });
    expect(await admin.getConfig(queue)).toEqual({ maxLeasedPerKey: 1, maxClaimsPerSecond: 0 });
    expect(await admin.listKeys(queue)).toEqual({
      keys: [
        { fairnessKey: 'flood', ready: 4, leased: 0 },
        { fairnessKey: 'quiet', ready: 1, leased: 0 },
      ],
      nextPageToken: null,
    });
    expect(await admin.queueStats(queue)).toMatchObject({ ready: 5, readyKeys: 2, rateLimited: false });

    const handled: string[] = [];
    const w = new Worker({
      address: s.address,
      queues: [queue],
      concurrency: 1,
      logger: { warn() {} },
      handler: async (task) => {
        handled.push(task.payload.toString());
        return 'ok';
      },
    });
    cleanup.push(() => w.stop());
    await w.start();
    await admin.resume(queue);
    await vi.waitFor(() => expect(handled).toHaveLength(5), { timeout: 10_000 });
    // Round-robin: the quiet key's only task goes second, not after the whole flood.
    expect(handled).toEqual(['flood-0', 'quiet', 'flood-1', 'flood-2', 'flood-3']);
  });

  it('refuses bad fairness keys and limits, naming the field', async () => {
    const { store, close } = await kind.open();
    const s = await startTestServer(store);
    cleanup.push(close, () => s.stop());
    const { producer, admin } = clientsOf(s.address);
    const key = await rejection(producer.enqueue('q', 'x', { fairnessKey: 'has space' }));
    expect(key.code).toBe(status.INVALID_ARGUMENT);
    expect(key.details).toMatch(/^fairness_key: must match/);
    const limit = await rejection(
      admin.setConfig('q', { maxLeasedPerKey: 5_000_000, maxClaimsPerSecond: 0 }),
    );
    expect(limit.code).toBe(status.INVALID_ARGUMENT);
    expect(limit.details).toMatch(/^config\.max_leased_per_key: must be an integer between 0/);
    // One the wire cannot carry is refused by the client, by name.
    await expect(admin.setConfig('q', { maxLeasedPerKey: -1, maxClaimsPerSecond: 0 })).rejects.toThrow(
      /^maxLeasedPerKey: must be a whole number/,
    );
    await expect(admin.setConfig('q', { maxLeasedPerKey: 1, maxClaimsPerSecond: 1.5 })).rejects.toThrow(
      /^maxClaimsPerSecond: /,
    );
    expect(await admin.getConfig('q')).toEqual({ maxLeasedPerKey: 0, maxClaimsPerSecond: 0 });
    const token = await rejection(admin.listKeys('q', { pageToken: 'nope' }));
    expect(token.details).toMatch(/^page_token: /);
  });
});

describe('fair-share admin calls with access control', () => {
  it('needs admin to set a config, and read to get it or list keys', async () => {
    const dir = tempDir();
    cleanup.push(() => dir.remove());
    const reader: TestToken = { name: 'reader', token: 'reader-0a1b2c3d4e5f6a7b', grants: { '*': ['read'] } };
    const ops: TestToken = { name: 'ops', token: 'ops-1f2e3d4c5b6a7980', grants: { '*': ['admin'] } };
    const config = serverConfig({
      listen: '127.0.0.1:0',
      authTokenFile: writeTokenFile(dir.path('tokens.json'), [reader, ops]),
    });
    const s = await startTestServer(new MemoryStore(), config, {
      security: new ServerSecurity(config, silentLogger),
    });
    cleanup.push(() => s.stop());
    const asReader = clientsOf(s.address, reader.token).admin;
    const asOps = clientsOf(s.address, ops.token).admin;
    const denied = await rejection(asReader.setConfig('jobs', { maxLeasedPerKey: 1, maxClaimsPerSecond: 5 }));
    expect(denied.code).toBe(status.PERMISSION_DENIED);
    await asOps.setConfig('jobs', { maxLeasedPerKey: 1, maxClaimsPerSecond: 5 });
    expect(await asReader.getConfig('jobs')).toEqual({ maxLeasedPerKey: 1, maxClaimsPerSecond: 5 });
    expect(await asReader.listKeys('jobs')).toEqual({ keys: [], nextPageToken: null });
  });
});
