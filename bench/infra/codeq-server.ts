import { mkdirSync } from 'node:fs';
import type { ServerConfig } from '../../src/config/server-config.js';
import { ChildHandle } from '../core/child-handle.js';
import type { ProcessStats } from '../core/process-stats.js';
import type { ServerStartArgs } from '../server/server-process.js';
import type { ServerTelemetry } from '../server/server-telemetry.js';

/** Options of {@link CodeqServerProcess.start}. */
export interface CodeqServerOptions {
  redisUrl: string | undefined;
  config?: Partial<ServerConfig>;
  /** Write a V8 CPU profile of the server into this directory (`--cpu-prof`). */
  profileDir?: string;
  /** File name of that profile. */
  profileName?: string;
  /** Extra Node flags for the server process, e.g. `--max-semi-space-size=64`. */
  nodeFlags?: string[];
  telemetry?: ServerTelemetry;
  /** Keep the web console's claim histograms, slow-claim buffer and rate counters (as `codeq serve` does by default). */
  consoleFigures?: boolean;
}

/** The parent's handle on the codeQ server child (bench/server/server-process.ts). */
export class CodeqServerProcess {
  readonly #child: ChildHandle;

  private constructor(
    child: ChildHandle,
    /** `127.0.0.1:port` the server listens on. */
    readonly address: string,
  ) {
    this.#child = child;
  }

  static async start(options: CodeqServerOptions): Promise<CodeqServerProcess> {
    const execArgv = ['--expose-gc', ...(options.nodeFlags ?? [])];
    if (options.profileDir) {
      mkdirSync(options.profileDir, { recursive: true });
      execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
      if (options.profileName) execArgv.push(`--cpu-prof-name=${options.profileName}`);
    }
    const child = await ChildHandle.start({ name: 'server', module: 'server/server-process', execArgv });
    try {
      const args: ServerStartArgs = {
        redisUrl: options.redisUrl,
        config: options.config,
        telemetry: options.telemetry ?? 'off',
        consoleFigures: options.consoleFigures ?? false,
      };
      const { port } = await child.call<{ port: number }>('start', args);
      return new CodeqServerProcess(child, `127.0.0.1:${port}`);
    } catch (err) {
      await child.stop();
      throw err;
    }
  }

  get pid(): number {
    return this.#child.pid;
  }

  /** Opens a new measurement window of the server's process stats. */
  statsReset(): Promise<void> {
    return this.#child.call('statsReset');
  }

  /** The server's process stats over the window so far. */
  stats(): Promise<ProcessStats> {
    return this.#child.call('stats');
  }

  /** The server's heap after a full collection, bytes. */
  heapBytes(): Promise<number> {
    return this.#child.call('heap');
  }

  /** Drains and stops the server, then its process (which writes its CPU profile). */
  stop(): Promise<void> {
    return this.#child.stop();
  }
}
