import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../lease-store/memory/memory-store.js';
import { startTestServer, type TestServer } from '../../test/support/test-server.js';

describe('CodeqServer', () => {
  let running: TestServer | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it("names its store by the store's kind, not by its class", async () => {
    // A subclass (a test double, a wrapper) is still the memory store.
    class RecordingStore extends MemoryStore {}
    running = await startTestServer(new RecordingStore());
    expect(running.server.storeName).toBe('memory');
  });
});
