import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TaskError, Worker } from '../../clients/index.js';
import { cancelCommand, enqueueCommand, getCommand } from '../../src/cli/task-commands.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** An id as older servers made them: base64url, starting with '-'. */
const DASH_ID = '-AbCdEfGhIjKlMnO';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(new MemoryStore());
});
afterAll(async () => {
  await server.stop();
});

describe('codeq get and cancel', () => {
  it('send a task id that starts with - to the server instead of refusing it as an option', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      // The server answers NOT_FOUND (5): the id reached it whole, wherever it stood.
      await expect(getCommand(['q', DASH_ID, '--server', server.address])).rejects.toMatchObject({
        code: 5,
        details: expect.stringContaining(DASH_ID) as unknown,
      });
      await expect(cancelCommand(['--server', server.address, 'q', DASH_ID])).rejects.toMatchObject({
        code: 5,
      });
      await expect(getCommand(['--server', server.address, 'q', '--', DASH_ID])).rejects.toMatchObject({
        code: 5,
      });
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe('codeq enqueue --wait', () => {
  it('says on standard error why it exits 1 when the task ended DEAD', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => errors.push(args.join(' ')));
    const worker = new Worker({
      address: server.address,
      queues: ['doomed'],
      logger: { warn() {} },
      handler: () => Promise.reject(new TaskError('bad input', { permanent: true })),
    });
    await worker.start();
    try {
      const status = await enqueueCommand([
        'doomed',
        '--payload',
        'x',
        '--wait',
        '20s',
        '--server',
        server.address,
      ]);
      expect(status).toBe(1);
      expect(errors).toContain('codeq enqueue: the task is DEAD after 1 attempt: bad input');
    } finally {
      vi.restoreAllMocks();
      await worker.stop();
    }
  });
});
