import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../config/usage-error.js';
import { MemoryStore } from '../lease-store/memory/memory-store.js';
import { captureCli } from '../../test/support/codeq-cli.js';
import { startTestServer, type TestServer } from '../../test/support/test-server.js';
import { batchSize, enqueueCommand, readStdin, STDIN_NOTE, STDIN_NOTE_AFTER_MS } from './task-commands.js';

const { lines, errors, exitCode } = captureCli();

afterEach(() => vi.useRealTimers());

describe('a payload read from standard input', () => {
  it('is said after a second with nothing read, and not when it arrives at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const silent = new PassThrough();
    const waited = readStdin(silent, STDIN_NOTE);
    vi.advanceTimersByTime(STDIN_NOTE_AFTER_MS - 1);
    expect(errors).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(errors).toEqual([
      'codeq enqueue: reading the payload from standard input (end it with Ctrl-D; --payload or --payload-file give it otherwise)',
    ]);
    silent.end('late');
    expect((await waited).toString()).toBe('late');
    expect(errors).toHaveLength(1);
    // A script's pipe: its first bytes come at once, however long it takes to end.
    errors.length = 0;
    const piped = new PassThrough();
    const read = readStdin(piped, STDIN_NOTE);
    piped.write('he');
    await new Promise((resolve) => setImmediate(resolve));
    vi.advanceTimersByTime(10 * STDIN_NOTE_AFTER_MS);
    piped.end('llo');
    expect((await read).toString()).toBe('hello');
    expect(errors).toEqual([]);
  });
});

describe('--payload-file', () => {
  it('that cannot be read is a usage error naming the flag, exit 2', async () => {
    const argv = ['enqueue', 'q', '--payload-file', '/no/such/file', '--server', '127.0.0.1:1'];
    await expect(enqueueCommand(argv.slice(1))).rejects.toBeInstanceOf(UsageError);
    expect(await exitCode(argv)).toBe(2);
    expect(errors.at(-1)).toMatch(/^codeq: --payload-file: cannot read \/no\/such\/file: ENOENT: /);
  });
});

describe('batchSize', () => {
  it('keeps a batch of --count copies under 3 MiB, and at least one task', () => {
    expect(batchSize('q', Buffer.alloc(10), {})).toBe(500);
    expect(batchSize('q', Buffer.alloc(20_000), {})).toBe(157);
    expect(batchSize('q', Buffer.alloc(20_000), { headers: { k: 'v'.repeat(12_000) } })).toBe(98);
    expect(batchSize('q', Buffer.alloc(5_000_000), {})).toBe(1);
  });
});

describe('codeq enqueue against a server', () => {
  let server: TestServer;
  let store: MemoryStore;
  const dir = mkdtempSync(join(tmpdir(), 'codeq-enqueue-'));

  beforeAll(async () => {
    store = new MemoryStore();
    server = await startTestServer(store);
  });

  afterAll(async () => {
    await server.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("names a payload over the server's cap on one message, and its --max-payload-bytes, exit 2", async () => {
    const big = join(dir, 'big.txt');
    writeFileSync(big, 'a'.repeat(5_000_000));
    expect(await exitCode(['enqueue', 'big', '--payload-file', big, '--server', server.address])).toBe(2);
    expect(errors.at(-1)).toBe(
      "codeq: payload: 5000000 bytes is over the server's limit: its --max-payload-bytes is at most 3145728 bytes (it takes no request over 4194304 bytes; gRPC status 8)",
    );
    // The same with --count, whose batches hold it alone.
    expect(
      await exitCode(['enqueue', 'big', '--payload-file', big, '--count', '2', '--server', server.address]),
    ).toBe(2);
    expect(errors.at(-1)).toMatch(/^codeq: payload: 5000000 bytes is over the server's limit: /);
    expect((await store.stats('big')).ready).toBe(0);
  });

  it('sends --count copies of a payload in batches that fit one message', async () => {
    const file = join(dir, 'twenty-k.txt');
    writeFileSync(file, 'b'.repeat(20_000));
    expect(
      await exitCode([
        'enqueue',
        'many',
        '--payload-file',
        file,
        '--count',
        '600',
        '--server',
        server.address,
      ]),
    ).toBe(0);
    expect(errors).toEqual([]);
    expect(lines).toHaveLength(600);
    expect((await store.stats('many')).ready).toBe(600);
  });
});
