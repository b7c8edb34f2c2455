/**
 * Child process running one codeQ server (CodeqServer from src/, in-process) for the
 * bench, apart from the load generator, and reporting what it spent: GC, event-loop
 * delay, CPU, RSS and, on request, its heap after a full collection.
 */
import { serverConfig, type ServerConfig } from '../../src/config/server-config.js';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { CodeqServer } from '../../src/server/codeq-server.js';
import { ClaimLatency } from '../../src/telemetry/claim-latency.js';
import { QueueRates } from '../../src/telemetry/queue-rates.js';
import { serveParent } from '../core/child-process.js';
import { ProcessWatch, settledHeapBytes } from '../core/process-stats.js';
import { benchTelemetry, type ServerTelemetry } from './server-telemetry.js';
import { tuneHeapForServer } from '../../src/server/heap-tuning.js';

// As `codeq serve` runs (src/server/heap-tuning.ts).
tuneHeapForServer();

/** Arguments of the `start` command. */
export interface ServerStartArgs {
  /** Redis to use; unset runs the in-memory store. */
  redisUrl?: string;
  keyPrefix?: string;
  config?: Partial<ServerConfig>;
  /** Tracing and metrics the server runs with. Default off, as a bare `codeq serve`. */
  telemetry?: ServerTelemetry;
  /**
   * Keep what the web console shows: claim-stage histograms, the slow-claim buffer and
   * per-queue counters sampled into rate rings (the listener itself is left out: it costs
   * nothing until a page is requested). Default off.
   */
  consoleFigures?: boolean;
}

const watch = new ProcessWatch();
let server: CodeqServer | undefined;
let telemetry: ReturnType<typeof benchTelemetry> | undefined;
let rates: QueueRates | undefined;

serveParent({
  start: async (args: ServerStartArgs) => {
    const store: LeaseStore = args.redisUrl
      ? await RedisStore.connect({ url: args.redisUrl, keyPrefix: args.keyPrefix ?? 'codeq' })
      : new MemoryStore();
    telemetry = benchTelemetry(args.telemetry ?? 'off');
    // Workers are stopped before the server, so a short drain grace only bounds a failed run.
    const claimLatency = args.consoleFigures ? new ClaimLatency() : undefined;
    server = new CodeqServer(serverConfig({ listen: '127.0.0.1:0', drainGraceMs: 1_000, ...args.config }), {
      store,
      tracerProvider: telemetry.tracerProvider,
      meterProvider: telemetry.meterProvider,
      claimLatency,
    });
    if (claimLatency) {
      rates = new QueueRates(server.metrics);
      rates.start();
    }
    await server.start();
    return { port: server.port };
  },
  statsReset: () => watch.reset(),
  stats: () => watch.read(),
  heap: () => settledHeapBytes(),
  shutdown: async () => {
    watch.stop();
    rates?.stop();
    await server?.stop();
    await telemetry?.shutdown();
  },
});
