import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it, vi } from 'vitest';
import { startTelemetry } from '../../src/telemetry/telemetry.js';

afterEach(() => vi.unstubAllEnvs());

/** A port nothing listens on: one opened and closed again. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

it('tells a failed span export at once, and the next ones at most once a minute', async () => {
  const port = await closedPort();
  vi.stubEnv('OTEL_TRACES_EXPORTER', 'otlp');
  vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', `http://127.0.0.1:${port}`);
  vi.stubEnv('OTEL_EXPORTER_OTLP_TIMEOUT', '1000');
  vi.stubEnv('OTEL_BSP_SCHEDULE_DELAY', '20');
  const warned: [string, Record<string, unknown>][] = [];
  const telemetry = await startTelemetry({
    serviceName: 'export-failure',
    runtimeMetrics: false,
    warn: (message, fields) => warned.push([message, fields]),
  });
  try {
    const tracer = telemetry.tracerProvider!.getTracer('test');
    tracer.startSpan('first').end();
    await vi.waitFor(() => expect(warned).toHaveLength(1), { timeout: 15_000, interval: 50 });
    expect(warned[0]![0]).toBe('telemetry export failed');
    expect(String(warned[0]![1].error)).toMatch(/ECONNREFUSED|connect/i);
    tracer.startSpan('second').end();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(warned).toHaveLength(1);
  } finally {
    await telemetry.shutdown().catch(() => undefined);
  }
}, 30_000);
