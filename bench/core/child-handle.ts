import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isEvent, type ChildMessage, type CommandMessage } from './ipc.js';

const here = dirname(fileURLToPath(import.meta.url));
/** True when the bench runs from its TypeScript sources (the smoke test under vitest). */
const fromSources = import.meta.url.endsWith('.ts');
const benchRoot = join(here, '..');
/**
 * How long a child may take to say ready by default. From the sources it compiles every
 * module it loads first (about 1.5 s alone); the smoke test starts five scenarios at once,
 * each with three or four children, beside other test files, and on two cores their start
 * took over 20 s.
 */
const READY_TIMEOUT_MS = fromSources ? 90_000 : 20_000;

/** Options of {@link ChildHandle.start}. */
export interface ChildOptions {
  /** Name for messages: `server`, `producer-0`… */
  name: string;
  /** Module under bench/ without extension, e.g. `server/server-process`. */
  module: string;
  /** Extra Node flags, e.g. `--cpu-prof`. */
  execArgv?: string[];
  /** How long the child may take to say ready, in ms. Default 20 000 (90 000 from the sources). */
  readyTimeoutMs?: number;
}

/**
 * The parent's handle on one bench child process: sends commands, awaits their replies,
 * hears its events, and stops it (politely, then by force). The child runs from dist/
 * when the bench was built, or from the sources when the bench itself runs from them.
 */
export class ChildHandle {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly #listeners = new Map<string, ((data: unknown) => void)[]>();
  #nextId = 1;
  #exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    child: ChildProcess,
  ) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.on('message', (message: ChildMessage) => {
      if (isEvent(message)) {
        for (const listener of this.#listeners.get(message.event) ?? []) listener(message.data);
        return;
      }
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.ok) pending.resolve(message.result);
      else pending.reject(new Error(`${name}: ${message.error}`));
    });
    void this.#exited.then((code) => {
      for (const p of this.#pending.values()) p.reject(new Error(`${name} exited with code ${code}`));
      this.#pending.clear();
    });
  }

  /** Forks the child and resolves once it said ready. */
  static async start(options: ChildOptions): Promise<ChildHandle> {
    const entry = fromSources
      ? join(benchRoot, `${options.module}.ts`)
      : join(benchRoot, `${options.module}.js`);
    const sourceFlags = fromSources
      ? ['--experimental-transform-types', '--no-warnings', '--import', join(here, 'ts', 'register.ts')]
      : [];
    const child = fork(entry, [], {
      execArgv: [...sourceFlags, ...(options.execArgv ?? [])],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const handle = new ChildHandle(options.name, child);
    const readyTimeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${options.name} did not start within ${readyTimeoutMs} ms`)),
        readyTimeoutMs,
      );
      handle.on('ready', () => {
        clearTimeout(timer);
        resolve();
      });
      void handle.#exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${options.name} exited with code ${code} before it was ready`));
      });
    });
    return handle;
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** Sends a command and resolves with the child's reply. */
  call<T>(cmd: string, args: unknown = null): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const message: CommandMessage = { id, cmd, args };
      this.#child.send(message, (err) => {
        if (!err) return;
        this.#pending.delete(id);
        reject(new Error(`${this.name}: could not send ${cmd}: ${err.message}`));
      });
    });
  }

  /** Listens to an event the child pushes; returns the function that stops listening. */
  on(event: string, listener: (data: unknown) => void): () => void {
    let list = this.#listeners.get(event);
    if (!list) this.#listeners.set(event, (list = []));
    list.push(listener);
    return () => {
      const current = this.#listeners.get(event) ?? [];
      this.#listeners.set(
        event,
        current.filter((l) => l !== listener),
      );
    };
  }

  /** Asks the child to shut down; kills it when it has not exited after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    this.call('shutdown').catch(() => {});
    await this.#exited;
    clearTimeout(timer);
  }
}
