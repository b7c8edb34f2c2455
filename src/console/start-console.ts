import { hostname } from 'node:os';
import type { CodeqServer } from '../server/codeq-server.js';
import type { ClaimLatency } from '../telemetry/claim-latency.js';
import type { Logger } from '../telemetry/logger.js';
import { QueueRates } from '../telemetry/queue-rates.js';
import { ConsoleServer, type ConsoleOptions } from './console-server.js';

/** A running console and what it samples. */
export interface RunningConsole {
  readonly console: ConsoleServer;
  readonly rates: QueueRates;
  /** Stops the listener and the rate sampler. */
  stop(): Promise<void>;
}

/**
 * Starts the web console of `server`, which was built with `claimLatency` (its histograms
 * and slow-claim buffer) so that it counts and times what the console shows. Throws
 * before listening when the listen rule refuses the address.
 */
export async function startConsole(
  server: CodeqServer,
  latency: ClaimLatency,
  options: Omit<ConsoleOptions, 'logger'> & { logger: Logger; replica?: string },
): Promise<RunningConsole> {
  const rates = new QueueRates(server.metrics);
  const consoleServer = new ConsoleServer(
    {
      admin: server.admin,
      latency,
      rates,
      replica: options.replica ?? `${hostname()} pid ${process.pid}`,
      storeName: server.storeName,
    },
    server.access,
    options,
  );
  await consoleServer.start();
  rates.start();
  return {
    console: consoleServer,
    rates,
    async stop() {
      rates.stop();
      await consoleServer.stop();
    },
  };
}
