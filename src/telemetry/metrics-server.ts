import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { parseHostPort } from '../domain/host-port.js';

/** A running `/metrics` endpoint. */
export interface MetricsServer {
  /** `http://host:port/metrics`, with the real port when asked for port 0. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** Bearer token every request must carry (`--metrics-token`). Unset: none asked. */
  token?: string | undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compares digests in constant time, so response timing tells nothing of the token. */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const m = /^Bearer[ \t]+(\S+)\s*$/i.exec(header ?? '');
  return m !== null && timingSafeEqual(digest(m[1]!), expected);
}

/**
 * Serves the Prometheus text format on `GET /metrics` at `listen` (HOST:PORT; port 0
 * picks a free port); every other path is 404. With a token, a request without it gets 401.
 */
export async function startMetricsServer(
  listen: string,
  exporter: PrometheusExporter,
  options: MetricsServerOptions = {},
): Promise<MetricsServer> {
  const expected = options.token === undefined ? undefined : digest(options.token);
  const address = parseHostPort(listen);
  if (!address) throw new Error(`--metrics-listen: expected HOST:PORT, got ${JSON.stringify(listen)}`);
  const { host, port } = address;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      if (expected && !bearerMatches(req.headers.authorization, expected)) {
        res.statusCode = 401;
        res.setHeader('www-authenticate', 'Bearer realm="codeq-metrics"');
        res.end('unauthorized: send "Authorization: Bearer TOKEN" (--metrics-token)\n');
        return;
      }
      exporter.getMetricsRequestHandler(req, res);
      return;
    }
    res.statusCode = 404;
    res.end('not found: metrics are served on /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}/metrics`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
