import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Producer } from '../../clients/index.js';
import { configCommand, keysCommand, parseRate } from '../../src/cli/fair-commands.js';
import { enqueueCommand } from '../../src/cli/task-commands.js';
import { UsageError } from '../../src/config/usage-error.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
let store: MemoryStore;
let producer: Producer;
let lines: string[];

beforeAll(async () => {
  store = new MemoryStore();
  server = await startTestServer(store);
  producer = new Producer({ address: server.address });
});

afterAll(async () => {
  producer.close();
  await server.stop();
  await store.close();
});

beforeEach(() => {
  lines = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
});

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.CODEQ_CONFIG_RATE;
});

describe('codeq keys, config and enqueue --key', () => {
  it('documents its options and their variables', async () => {
    expect(await keysCommand(['--help'])).toBe(0);
    expect(await configCommand(['--help'])).toBe(0);
    const help = lines.join('\n');
    for (const text of [
      'CODEQ_KEYS_PAGE_SIZE',
      '--max-leased-per-key',
      'CODEQ_CONFIG_MAX_LEASED_PER_KEY',
      '--rate R/s',
    ])
      expect(help).toContain(text);
  });

  it('enqueues with a key, lists keys busiest first and sets limits, keeping the ones not given', async () => {
    const q = `cli-fair-${Math.random().toString(36).slice(2, 8)}`;
    for (const key of ['acme', 'acme', 'globex'])
      expect(await enqueueCommand([q, '--payload', 'x', '--key', key, '--server', server.address])).toBe(0);
    lines = [];
    expect(await keysCommand([q, '--server', server.address])).toBe(0);
    expect(lines.join('\n')).toMatch(/^FAIRNESS KEY\s+READY\s+LEASED\nacme\s+2\s+0\nglobex\s+1\s+0$/);
    lines = [];
    expect(await configCommand([q, '--max-leased-per-key', '3', '--server', server.address])).toBe(0);
    process.env.CODEQ_CONFIG_RATE = '40/s';
    expect(await configCommand([q, '--server', server.address])).toBe(0);
    expect(lines).toEqual([
      `${q}: max leased per key 3, max claims per second no limit`,
      `${q}: max leased per key 3, max claims per second 40/s`,
    ]);
    expect(await store.getConfig(q)).toEqual({ maxLeasedPerKey: 3, maxClaimsPerSecond: 40 });
  });

  it('reads a rate as R/s or R, and names --rate when it cannot', () => {
    expect(parseRate('50/s')).toBe(50);
    expect(parseRate('0')).toBe(0);
    expect(() => parseRate('fast')).toThrow(UsageError);
    expect(() => parseRate('fast')).toThrow(/^--rate: /);
    expect(parseRate('1000000/s')).toBe(1_000_000);
    expect(() => parseRate('99999999999/s')).toThrow(
      '--rate: at most 1000000/s (0 for no limit), got "99999999999/s"',
    );
  });

  it('names CODEQ_CONFIG_RATE, not --rate, for a bad rate it took from the environment', async () => {
    vi.stubEnv('CODEQ_CONFIG_RATE', 'fast');
    try {
      await expect(configCommand(['q', '--server', '127.0.0.1:1'])).rejects.toThrow(
        /^CODEQ_CONFIG_RATE: expected R\/s/,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('refuses a limit past the server bound as a usage error naming the flag, before any call', async () => {
    const err: unknown = await configCommand([
      'q',
      '--max-leased-per-key',
      '99999999999',
      '--server',
      '127.0.0.1:1',
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe('--max-leased-per-key: must be at most 1000000, got "99999999999"');
  });

  it('refuses a --rate that does not parse before it calls the server, changing nothing', async () => {
    const q = `cli-fair-${Math.random().toString(36).slice(2, 8)}`;
    expect(await configCommand([q, '--max-leased-per-key', '3', '--server', server.address])).toBe(0);
    // A server nobody listens at: a call would fail with "cannot reach", not the usage error.
    await expect(
      configCommand([q, '--max-leased-per-key', '9', '--rate', 'fast', '--server', '127.0.0.1:1']),
    ).rejects.toThrow(UsageError);
    await expect(
      configCommand([q, '--max-leased-per-key', '9', '--rate', 'fast', '--server', server.address]),
    ).rejects.toThrow(/^--rate: /);
    expect((await store.getConfig(q)).maxLeasedPerKey).toBe(3);
  });
});
