/** A `HOST:PORT` address taken apart; an IPv6 host without its brackets. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * `HOST:PORT` (`[::1]:7070` for IPv6), or undefined when `text` is not one: no port, a
 * port that is not a whole number from 0 to 65535, or no host. A missing port is never
 * guessed: gRPC would take 443, where no codeQ listens.
 */
export function parseHostPort(text: string): HostPort | undefined {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return undefined;
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const portText = text.slice(colon + 1);
  const port = Number(portText);
  if (!host || !/^\d{1,5}$/.test(portText) || port > 65_535) return undefined;
  // An IPv6 address names its port after brackets: `::1` alone is no HOST:PORT.
  if (host.includes(':') && !text.startsWith('[')) return undefined;
  return { host, port };
}
