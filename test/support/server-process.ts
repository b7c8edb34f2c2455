import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI: fault tests run the server as users do, `codeq serve`, in its own process. */
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** A `codeq serve` process on a free port of 127.0.0.1. */
export interface ServerProcess {
  address: string;
  port: number;
  child: ChildProcess;
  /** Everything it printed on stdout and stderr so far. */
  output(): string;
  /** Resolves with its exit code (or signal name) once it has exited. */
  exited: Promise<number | string>;
  /** Sends `signal` (SIGTERM by default, the graceful stop) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Starts `codeq serve --listen 127.0.0.1:0` (its console on a free port too) with `flags` (e.g. `--redis URL`) and waits for
 * the line naming its port. Needs `npm run build` first; says so when dist/ is missing.
 */
export async function startServerProcess(flags: string[], timeoutMs = 20_000): Promise<ServerProcess> {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run \`npm run build\` first (npm run test:faults does)`);
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--listen', '127.0.0.1:0', '--console-listen', '127.0.0.1:0', ...flags],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`codeq serve did not start in ${timeoutMs} ms:\n${text}`)),
      timeoutMs,
    );
    const look = (): void => {
      const m = /serving on 127\.0\.0\.1:(\d+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`codeq serve exited (${code}) before serving:\n${text}`));
    });
  });
  return {
    address: `127.0.0.1:${port}`,
    port,
    child,
    output: () => text,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Resident memory of a process in bytes, from /proc (Linux). */
export function residentBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/**
 * How many times the main thread of a process has been put on a CPU so far, from
 * /proc/PID/schedstat (Linux): one per wake-up from sleep, give or take a preemption. A
 * timer that fires in a loop shows here as hundreds a second, whatever the machine's
 * speed; an idle Node.js process wakes a few times a second.
 */
export function runCount(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/);
  const runs = Number(fields[2]);
  if (!Number.isFinite(runs)) throw new Error(`no run count in /proc/${pid}/schedstat`);
  return runs;
}

/** CPU time a process has used so far (user + system), in ms, from /proc (Linux; ticks of 10 ms). */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10;
}
