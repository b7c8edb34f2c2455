import { existsSync } from 'node:fs';
import { Producer } from '../../clients/index.js';
import { startConsole, type RunningConsole } from '../../src/console/start-console.js';
import type { ServerConfig } from '../../src/config/server-config.js';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { ClaimLatency } from '../../src/telemetry/claim-latency.js';
import type { RateLimit } from '../../src/auth/principal.js';
import { silentLogger, type Logger } from '../../src/telemetry/logger.js';
import { newTask } from '../support/new-task.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Where the browser tests expect Debian's chromium package. */
export const CHROMIUM = process.env.CODEQ_CHROMIUM ?? '/usr/bin/chromium';

/** Throws, saying how to install it, when the browser is missing: the browser tests fail rather than skip. */
export function requireChromium(): string {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: the console's browser tests drive a real Chromium. Install it with ` +
        '`sudo apt-get install -y chromium` (Debian/Ubuntu; .ci/run does this), or point ' +
        'CODEQ_CHROMIUM at a Chromium or Chrome binary.',
    );
  return CHROMIUM;
}

/** The flags the tests launch Chromium with: headless, no sandbox (containers), nothing fetched from the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A server on the memory store with its console, both on free loopback ports. */
export interface ConsoleFixture {
  server: TestServer;
  latency: ClaimLatency;
  console: RunningConsole;
  /** The console's base URL, ending in `/`. */
  url: string;
  store: LeaseStore;
  producer(token?: string): Producer;
  stop(): Promise<void>;
}

/**
 * Starts a server with `overrides` on `store` (default a new memory store, closed by
 * `stop()`) and its console on 127.0.0.1:0, named `replica` (fixed, for screenshots).
 */
export async function startConsoleFixture(
  overrides: Partial<ServerConfig> = {},
  options: { store?: LeaseStore; replica?: string; logger?: Logger; loginFailureLimit?: RateLimit } = {},
): Promise<ConsoleFixture> {
  const store = options.store ?? new MemoryStore();
  const latency = new ClaimLatency();
  const server = await startTestServer(store, overrides, { claimLatency: latency });
  const running = await startConsole(server.server, latency, {
    listen: '127.0.0.1:0',
    insecureAllowRemote: false,
    tlsCert: overrides.tlsCert,
    tlsKey: overrides.tlsKey,
    logger: options.logger ?? silentLogger,
    replica: options.replica ?? 'replica-1',
    ...(options.loginFailureLimit && { loginFailureLimit: options.loginFailureLimit }),
  });
  const producers: Producer[] = [];
  return {
    server,
    latency,
    console: running,
    url: running.console.url,
    store,
    producer(token) {
      const p = new Producer({ address: server.address, ...(token ? { token } : {}) });
      producers.push(p);
      return p;
    },
    async stop() {
      for (const p of producers) p.close();
      await running.stop();
      await server.stop();
      await store.close();
    },
  };
}

/** A DEAD task of `queue` in `store`: enqueued, leased and failed for good with `error`. */
export async function deadTask(store: LeaseStore, queue: string, error = 'boom'): Promise<string> {
  const taskId = (await store.enqueue([newTask(queue, { maxAttempts: 1 })]))[0]!.taskId;
  const [lease] = (await store.claim(queue, 1, 30_000)).leases;
  await store.settle(queue, [
    {
      kind: 'fail',
      taskId: lease!.task.id,
      token: lease!.token,
      nonce: lease!.nonce,
      error,
      retryDelayMs: undefined,
      permanent: true,
    },
  ]);
  return taskId;
}
