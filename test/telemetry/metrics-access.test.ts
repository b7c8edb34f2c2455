import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, expect, it } from 'vitest';
import { startMetricsServer } from '../../src/telemetry/metrics-server.js';

const exporter = new PrometheusExporter({ preventServerStart: true });
const meterProvider = new MeterProvider({ readers: [exporter] });
afterAll(() => meterProvider.shutdown());

it('answers /metrics only to the bearer of --metrics-token when one is set', async () => {
  meterProvider
    .getMeter('codeq')
    .createCounter('codeq_probe')
    .add(1, { messaging_destination_name: 'tenant-b.secret' });
  const endpoint = await startMetricsServer('127.0.0.1:0', exporter, { token: 'm-7f3c9e1b2d4a' });
  try {
    for (const authorization of [
      undefined,
      'Bearer wrong',
      'Bearer m-7f3c9e1b2d4aX',
      'Basic m-7f3c9e1b2d4a',
    ]) {
      const response = await fetch(endpoint.url, authorization ? { headers: { authorization } } : {});
      expect(response.status, authorization).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await response.text()).not.toContain('tenant-b');
    }
    const ok = await fetch(endpoint.url, { headers: { authorization: 'Bearer m-7f3c9e1b2d4a' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('tenant-b.secret');
  } finally {
    await endpoint.close();
  }
});
