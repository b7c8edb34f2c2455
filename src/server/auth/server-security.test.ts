import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverConfig } from '../../config/server-config.js';
import { createLogger } from '../../telemetry/logger.js';
import { jwtIssuer, tempDir, writeTokenFile } from '../../../test/support/auth-fixtures.js';
import { ServerSecurity } from './server-security.js';

const dir = tempDir();
let tokens: string;
let jwks: string;

beforeAll(async () => {
  tokens = writeTokenFile(dir.path('tokens.json'), [
    { name: 'a', token: 'a-123456789', grants: { '*': ['read'] } },
  ]);
  jwks = dir.path('jwks.json');
  writeFileSync(jwks, JSON.stringify((await jwtIssuer()).jwks));
});
afterAll(() => dir.remove());

/** A ServerSecurity from `settings`, with the warnings it logged. */
function security(settings: Parameters<typeof serverConfig>[0]): {
  security: ServerSecurity;
  warnings: string[];
} {
  const warnings: string[] = [];
  const logger = createLogger('warn', (line) => warnings.push(line));
  return { security: new ServerSecurity(serverConfig(settings), logger), warnings };
}

describe('server security at start', () => {
  it('refuses JWTs without an audience unless told to accept any, and then warns', () => {
    expect(() => security({ authJwksFile: jwks })).toThrow(
      /^--auth-jwt-audience: required with --auth-jwks-url/,
    );
    expect(security({ authJwksFile: jwks, authJwtAudience: 'codeq' }).warnings).toEqual([]);
    const any = security({ authJwksFile: jwks, authJwtAnyAudience: true });
    expect(any.warnings.join('')).toMatch(/WARNING: accepting JWTs for ANY audience/);
    // Static tokens alone need no audience.
    expect(security({ authTokenFile: tokens }).warnings).toEqual([]);
  });

  it('refuses a bad --auth-jwt-rate-limit, naming the flag', () => {
    expect(() =>
      security({ authJwksFile: jwks, authJwtAudience: 'codeq', authJwtRateLimit: 'lots' }),
    ).toThrow(/^--auth-jwt-rate-limit: expected RATE or RATE\/BURST/);
  });

  it('warns when bearer tokens would cross the network in plaintext', () => {
    const plain = security({ authTokenFile: tokens });
    plain.security.checkListen('0.0.0.0:7070');
    expect(plain.warnings.join('')).toMatch(
      /WARNING: serving 0\.0\.0\.0:7070 over PLAINTEXT with bearer credentials/,
    );
    const local = security({ authTokenFile: tokens });
    local.security.checkListen('127.0.0.1:7070');
    expect(local.warnings).toEqual([]);
  });

  it('serves /metrics remotely only with a token or --insecure-allow-remote', () => {
    const open = security({ authTokenFile: tokens });
    expect(() => open.security.checkMetricsListen('0.0.0.0:9464')).toThrow(
      /^--metrics-listen 0\.0\.0\.0:9464: without --metrics-token \(CODEQ_METRICS_TOKEN\)/,
    );
    open.security.checkMetricsListen('127.0.0.1:9464');
    open.security.checkMetricsListen(undefined);
    expect(open.warnings).toEqual([]);
    const withToken = security({ metricsToken: 'm-secret' });
    withToken.security.checkMetricsListen('0.0.0.0:9464');
    expect(withToken.warnings).toEqual([]);
    const insecure = security({ insecureAllowRemote: true });
    insecure.security.checkMetricsListen('0.0.0.0:9464');
    expect(insecure.warnings.join('')).toMatch(/WARNING: serving metrics on 0\.0\.0\.0:9464 WITHOUT A TOKEN/);
  });
});
