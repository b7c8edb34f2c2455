import { afterEach, describe, expect, it } from 'vitest';
import { Producer } from '../../clients/index.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { tempDir, writeTokenFile } from '../support/auth-fixtures.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function serve(
  overrides: Parameters<typeof startTestServer>[1],
  lines: string[] = [],
): Promise<TestServer> {
  const server = await startTestServer(new MemoryStore(), overrides, {
    logger: createLogger('info', (l) => lines.push(l)),
  });
  closers.push(() => server.stop());
  return server;
}

describe('listening beyond loopback', () => {
  it('refuses 0.0.0.0 without authentication, naming the flag that allows it', async () => {
    await expect(serve({ listen: '0.0.0.0:0' })).rejects.toThrow(
      /--listen 0\.0\.0\.0:0: without authentication codeQ listens on loopback only.*--insecure-allow-remote \(CODEQ_INSECURE_ALLOW_REMOTE=true\)/,
    );
  });

  it('starts on 0.0.0.0 with --insecure-allow-remote, warning loudly', async () => {
    const lines: string[] = [];
    const server = await serve({ listen: '0.0.0.0:0', insecureAllowRemote: true }, lines);
    expect(lines.join('')).toMatch(/warn WARNING: serving 0\.0\.0\.0:0 WITHOUT AUTHENTICATION/);
    const producer = new Producer({ address: server.address });
    closers.push(() => producer.close());
    expect((await producer.enqueue('open', 'x')).taskId).not.toBe('');
  });

  it('starts on 0.0.0.0 without the flag when callers must authenticate', async () => {
    const dir = tempDir();
    closers.push(() => dir.remove());
    const lines: string[] = [];
    await serve(
      {
        listen: '0.0.0.0:0',
        authTokenFile: writeTokenFile(dir.path('tokens.json'), [
          { name: 'a', token: 'guard-token-00112233', grants: { '*': ['read'] } },
        ]),
      },
      lines,
    );
    expect(lines.join('')).not.toMatch(/WITHOUT AUTHENTICATION/);
    // Tokens without TLS beyond loopback: they would cross the network in clear text.
    expect(lines.join('')).toMatch(/WARNING: serving 0\.0\.0\.0:0 over PLAINTEXT with bearer credentials/);
  });
});
