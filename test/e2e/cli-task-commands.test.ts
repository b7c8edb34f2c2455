import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cancelCommand, getCommand } from '../../src/cli/task-commands.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** An id as older servers made them: base64url, starting with '-'. */
const DASH_ID = '-AbCdEfGhIjKlMnO';

describe('codeq get and cancel', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(new MemoryStore());
  });
  afterAll(async () => {
    await server.stop();
  });

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
