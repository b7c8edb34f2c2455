import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the runner runs from `dist/test/chaos/`, its tests from `test/chaos/`. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'proto'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('test/chaos: cannot find the repository root (package.json and proto/)');
    dir = up;
  }
  return dir;
}

const ROOT = repoRoot();
/** The built CLI, run as users run it. */
export const CLI = join(ROOT, 'dist/src/cli/main.js');
/** The built worker process of the chaos run. */
export const WORKER = join(ROOT, 'dist/test/chaos/worker-process.js');

/** What a worker process prints each second (worker-process.ts): deliveries so far, and its `Worker`'s state. */
export interface WorkerStatus {
  del: number;
  running: number;
  prefetched: number;
  state: string;
}

const STATUS_PREFIX = 'WORKER STATUS ';

/** A child process that printed `ready` on stdout, with what it printed kept. */
export interface Child {
  child: ChildProcess;
  output(): string;
  /** The last `WORKER STATUS {...}` line a worker process printed, parsed; undefined before the first. */
  status(): WorkerStatus | undefined;
  exited: Promise<number | string>;
  /** Sends `signal` unless it has exited already, and waits for the exit. */
  stop(signal: NodeJS.Signals): Promise<number | string>;
}

/**
 * Spawns `node args…` and resolves once its output matches `ready`, within `timeoutMs`.
 * With `logPath`, everything it prints (status lines aside) is appended to that file too.
 */
export async function startChild(
  args: string[],
  ready: RegExp,
  timeoutMs = 30_000,
  logPath?: string,
): Promise<Child> {
  for (const file of [CLI, WORKER])
    if (!existsSync(file))
      throw new Error(`${file} is missing: run \`npm run build\` first (npm run test:chaos does)`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let status: WorkerStatus | undefined;
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines)
      if (line.startsWith(STATUS_PREFIX))
        status = JSON.parse(line.slice(STATUS_PREFIX.length)) as WorkerStatus;
  });
  if (logPath) {
    const file = createWriteStream(logPath, { flags: 'a' });
    const copy = (chunk: Buffer): void => {
      const text = chunk.toString();
      if (!text.startsWith(STATUS_PREFIX)) file.write(text);
    };
    child.stdout.on('data', copy);
    child.stderr.on('data', copy);
    child.once('exit', () => file.end());
  }
  const keep = (chunk: Buffer): void => {
    // The start is what explains a failure to start; later lines only fill memory.
    if (text.length < 64 * 1024) text += chunk.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args[0]} did not start in ${timeoutMs} ms:\n${text}`));
    }, timeoutMs);
    const look = (): void => {
      if (ready.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} exited (${code}) before it was ready:\n${text}`));
    });
  });
  return {
    child,
    output: () => text,
    status: () => status,
    exited,
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** `codeq serve` on `127.0.0.1:port` (a fixed port, so a restarted server is found where it was). */
export function startServer(port: number, flags: string[], logPath?: string): Promise<Child> {
  return startChild(
    [CLI, 'serve', '--listen', `127.0.0.1:${port}`, '--console-listen', '127.0.0.1:0', ...flags],
    /serving on 127\.0\.0\.1:\d+/,
    30_000,
    logPath,
  );
}

/** What one worker process is told (test/chaos/worker-process.ts). */
export interface WorkerArgs {
  addresses: string[];
  queue: string;
  log: string;
  name: string;
  concurrency: number;
}

/** A worker process that logs its events to `args.log`. */
export function startWorker(args: WorkerArgs, logPath?: string): Promise<Child> {
  return startChild([WORKER, JSON.stringify(args)], /WORKER READY/, 30_000, logPath);
}
