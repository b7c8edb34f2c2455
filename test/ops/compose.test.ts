import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDurationMs } from '../../src/config/duration.js';
import { SERVER_SETTINGS } from '../../src/config/server-settings.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface Service {
  ports?: string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
  restart?: string;
  environment?: Record<string, string>;
  stop_grace_period?: string;
  volumes?: string[];
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};
const { redis, codeq, prometheus } = compose.services;

/** The host address of a published port: `127.0.0.1:7070:7070` → `127.0.0.1`, `7070:7070` → every interface. */
function hostAddress(port: string): string | undefined {
  const parts = port.split(':');
  return parts.length === 3 ? parts[0] : undefined;
}

describe('docker-compose.yml', () => {
  it('keeps Redis off the host ports', () => {
    expect(redis).toBeDefined();
    expect(redis!.ports ?? []).toEqual([]);
  });

  it('gives codeQ longer to stop than its drain grace', () => {
    const env = codeq!.environment ?? {};
    const drainGraceMs =
      env.CODEQ_DRAIN_GRACE === undefined
        ? SERVER_SETTINGS.drainGraceMs.default
        : parseDurationMs(env.CODEQ_DRAIN_GRACE, 'CODEQ_DRAIN_GRACE');
    expect(codeq!.stop_grace_period).toBeDefined();
    const stopGraceMs = parseDurationMs(codeq!.stop_grace_period!, 'stop_grace_period');
    expect(stopGraceMs).toBeGreaterThan(drainGraceMs);
  });

  it("has Prometheus scrape codeQ's metrics port", () => {
    const listen = codeq!.environment?.CODEQ_METRICS_LISTEN;
    expect(listen).toBeDefined();
    const port = listen!.slice(listen!.lastIndexOf(':') + 1);
    // Published on the host's loopback only: the stack is for trying codeQ locally.
    expect(codeq!.ports).toContain(`127.0.0.1:${port}:${port}`);

    const mount = (prometheus!.volumes ?? []).find((v) => v.includes('/etc/prometheus/prometheus.yml'));
    expect(mount).toBeDefined();
    const config = parse(readFileSync(join(ROOT, mount!.split(':')[0]!), 'utf8')) as {
      scrape_configs: { metrics_path?: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs.flatMap((job) =>
      job.static_configs.flatMap((s) => s.targets.map((t) => ({ target: t, path: job.metrics_path }))),
    );
    expect(targets).toContainEqual({ target: `codeq:${port}`, path: '/metrics' });
  });

  it('publishes every port on the host loopback only', () => {
    const open: string[] = [];
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.ports ?? []) {
        if (hostAddress(port) !== '127.0.0.1') open.push(`${name}: ${port}`);
      }
    }
    expect(open).toEqual([]);
    expect(compose.services.jaeger?.ports?.length).toBeGreaterThan(0);
  });

  it('starts codeQ once Redis answers, and restarts it if Redis goes at its start', () => {
    expect(redis!.healthcheck?.test).toContain('ping');
    expect(codeq!.depends_on).toMatchObject({ redis: { condition: 'service_healthy' } });
    expect(codeq!.restart).toBe('on-failure');
  });
});
