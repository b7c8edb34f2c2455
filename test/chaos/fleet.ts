import { join } from 'node:path';
import { freeFixedPort } from '../../support/free-port.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startServer, startWorker, type Child, type WorkerStatus } from './processes.js';

interface ServerSlot {
  port: number;
  proxy: TcpProxy;
  /** Where workers reach it: through its proxy, which a fault can freeze. */
  proxied: string;
  process: Child | null;
}

interface WorkerSlot {
  name: string;
  generation: number;
  process: Child | null;
}

/** How the fleet is built. */
export interface FleetOptions {
  /** `codeq serve` flags beyond the listen addresses (the Redis, the graces). */
  serverFlags: string[];
  queue: string;
  /**
   * Directory of the event logs; each worker process writes a file of its own. What the
   * servers and workers print goes to `server-<i>.log` and `<worker>-<generation>.log` there.
   */
  logDir: string;
  servers: number;
  workers: number;
  concurrency: number;
}

/**
 * The codeQ processes of a chaos run: server replicas on fixed ports, each behind a TCP
 * proxy for its workers, and worker processes that reach every server (through the
 * proxies). Producers reach the servers directly. Faults kill, stop and restart them here.
 */
export class Fleet {
  readonly servers: ServerSlot[] = [];
  readonly workers: WorkerSlot[] = [];
  readonly #options: FleetOptions;

  constructor(options: FleetOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.#options.servers; i++) {
      // Outside the ephemeral range: a server killed by a fault starts again on its port,
      // which a proxy's outgoing connection or listen(0) could otherwise take meanwhile.
      const port = await freeFixedPort(this.servers.map((s) => s.port));
      const proxy = new TcpProxy({ host: '127.0.0.1', port });
      const proxied = await proxy.start();
      this.servers.push({ port, proxy, proxied, process: null });
    }
    await Promise.all(this.servers.map((_, i) => this.restartServer(i)));
    for (let i = 0; i < this.#options.workers; i++)
      this.workers.push({ name: `worker-${i}`, generation: 0, process: null });
    await Promise.all(this.workers.map((_, i) => this.restartWorker(i)));
  }

  /** Direct addresses of the servers, for producers. */
  get serverAddresses(): string[] {
    return this.servers.map((s) => `127.0.0.1:${s.port}`);
  }

  async restartServer(i: number): Promise<void> {
    const slot = this.servers[i]!;
    if (slot.process?.child.exitCode === null && slot.process.child.signalCode === null) return;
    slot.process = await startServer(
      slot.port,
      this.#options.serverFlags,
      join(this.#options.logDir, `server-${i}.log`),
    );
  }

  /**
   * Stops server `i` with `signal` and waits for its exit; a server still running
   * `graceMs` after a SIGTERM is killed (SIGKILL), and the result says so.
   */
  async stopServer(i: number, signal: NodeJS.Signals, graceMs = 30_000): Promise<number | string> {
    const slot = this.servers[i]!;
    const child = slot.process;
    slot.process = null;
    if (!child) return 'not running';
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`still running ${graceMs} ms after ${signal}`), graceMs);
    });
    const code = await Promise.race([child.stop(signal), late]);
    clearTimeout(timer);
    if (typeof code === 'string' && code.startsWith('still running')) await child.stop('SIGKILL');
    return code;
  }

  /** A new incarnation of worker `i`, with a log file of its own (a killed one's log stays as it was). */
  async restartWorker(i: number): Promise<void> {
    const slot = this.workers[i]!;
    slot.generation++;
    // Each worker lists the servers from a different one, so the load spreads over both.
    const addresses = this.servers.map((_, k) => this.servers[(i + k) % this.servers.length]!.proxied);
    slot.process = await startWorker(
      {
        addresses,
        queue: this.#options.queue,
        log: join(this.#options.logDir, `${slot.name}-${slot.generation}.jsonl`),
        name: `${slot.name}.${slot.generation}`,
        concurrency: this.#options.concurrency,
      },
      join(this.#options.logDir, `${slot.name}-${slot.generation}.log`),
    );
  }

  /** The running worker processes, by name (`worker-1.3`: slot 1, third process), with their last status. */
  workerStatuses(): { name: string; status: WorkerStatus | undefined }[] {
    return this.workers.flatMap((w) =>
      w.process ? [{ name: `${w.name}.${w.generation}`, status: w.process.status() }] : [],
    );
  }

  async stopWorker(i: number, signal: NodeJS.Signals): Promise<void> {
    const slot = this.workers[i]!;
    await slot.process?.stop(signal);
    slot.process = null;
  }

  /**
   * Workers first (SIGTERM: they settle what they hold), then servers, then the proxies.
   * Returns what did not stop cleanly (a server that did not exit 0 after SIGTERM).
   */
  async stop(): Promise<string[]> {
    await Promise.all(this.workers.map((_, i) => this.stopWorker(i, 'SIGTERM')));
    const codes = await Promise.all(this.servers.map((_, i) => this.stopServer(i, 'SIGTERM')));
    for (const s of this.servers) await s.proxy.stop();
    return codes.flatMap((code, i) => (code === 0 ? [] : [`server ${i} exit ${code}`]));
  }

  /** Kills whatever still runs, after a failure. */
  async kill(): Promise<void> {
    await Promise.all(this.workers.map((_, i) => this.stopWorker(i, 'SIGKILL')));
    await Promise.all(this.servers.map((_, i) => this.stopServer(i, 'SIGKILL')));
    for (const s of this.servers) await s.proxy.stop();
  }
}
