import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nothing listened on a moment ago: bound on port 0 and
 * closed again. Another process may take it before the caller binds it; the callers
 * start their own servers on it at once.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The kernel's range of ephemeral ports (Linux; the IANA range elsewhere). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low && high) return [low, high];
  } catch {
    // Not Linux: fall through.
  }
  return [49_152, 65_535];
}

/** Whether nothing listens on `port` of 127.0.0.1 now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port below the kernel's ephemeral range, for a server that stops and starts
 * again on the same port: while it is down, no outgoing connection's source port and no
 * other `listen(0)` can take it, as they can a port from {@link freePort}. `taken`: ports
 * already handed out, which are not handed out again.
 */
export async function freeFixedPort(taken: readonly number[] = []): Promise<number> {
  const [low] = ephemeralRange();
  const from = Math.max(1_024, low - 10_000);
  for (let tries = 0; tries < 200; tries++) {
    const port = from + Math.floor(Math.random() * (low - from));
    if (!taken.includes(port) && (await bindable(port))) return port;
  }
  throw new Error(`no free port in ${from}-${low - 1}`);
}
