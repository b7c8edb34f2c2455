import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';

/** A running `/metrics` endpoint. */
export interface MetricsServer {
  /** `http://host:port/metrics`, with the real port when asked for port 0. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves the Prometheus text format on `GET /metrics` at `listen` (HOST:PORT; port 0
 * picks a free port); every other path is 404.
 */
export async function startMetricsServer(
  listen: string,
  exporter: PrometheusExporter,
): Promise<MetricsServer> {
  const sep = listen.lastIndexOf(':');
  const host = sep < 0 ? listen : listen.slice(0, sep).replace(/^\[(.*)\]$/, '$1');
  const port = Number(sep < 0 ? 'NaN' : listen.slice(sep + 1));
  if (!host || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--metrics-listen: expected HOST:PORT, got ${JSON.stringify(listen)}`);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
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
