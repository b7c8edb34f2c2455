import { parseHostPort } from '../domain/host-port.js';
import { UsageError } from './usage-error.js';

/** gRPC target schemes that name an address of their own (a socket path, a DNS name). */
const TARGET_SCHEME = /^(unix|unix-abstract|dns|ipv4|ipv6|vsock):/;

/**
 * Checks a gRPC address given by `source` (a flag or variable): `HOST:PORT`, or a target
 * with one of grpc-js's schemes (`unix:/run/codeq.sock`), which is passed on as it is.
 */
export function checkGrpcAddress(text: string, source: string): string {
  if (TARGET_SCHEME.test(text) || parseHostPort(text)) return text;
  throw new UsageError(
    `${source}: expected HOST:PORT (a port from 0 to 65535; [::1]:7070 for IPv6) or unix:PATH, got ${JSON.stringify(text)}`,
  );
}

/**
 * Checks an HTTP listener's address given by `source`: `HOST:PORT` only (a port alone is
 * not taken for one on every interface).
 */
export function checkHostPort(text: string, source: string): string {
  if (parseHostPort(text)) return text;
  throw new UsageError(
    `${source}: expected HOST:PORT (a port from 0 to 65535; [::1]:7071 for IPv6), got ${JSON.stringify(text)}`,
  );
}
