import { setLogger as setGrpcLogger } from '@grpc/grpc-js';
import { parseHostPort } from '../domain/host-port.js';
import type { ServerConfig } from '../config/server-config.js';
import { parseRateText } from '../auth/jwt-verifier.js';
import { ServerSecurity } from '../server/auth/server-security.js';
import { CodeqServer } from '../server/codeq-server.js';
import { startConsole, type RunningConsole } from '../console/start-console.js';
import { ClaimLatency } from '../telemetry/claim-latency.js';
import { openStore } from './open-store.js';
import { createLogger, grpcLog, type LogFormat, type LogLevel } from '../telemetry/logger.js';
import { startTelemetry } from '../telemetry/telemetry.js';
import { codeqVersion } from './version.js';
import { describeListenError } from './cli-errors.js';
import { keepRunningWhenLogPipeCloses } from './closed-log-pipe.js';

/**
 * Runs the server `codeq serve` configured until SIGINT or SIGTERM, then drains (a second
 * signal stops at once); resolves to the exit code.
 */
export async function runServer(
  config: ServerConfig & { logLevel: LogLevel; logFormat: LogFormat },
): Promise<number> {
  // A server's log is its output: every line, the server's own and its status lines, on
  // stdout with a timestamp, where container runtimes and log collectors read it.
  keepRunningWhenLogPipeCloses(process.stdout);
  keepRunningWhenLogPipeCloses(process.stderr);
  const logger = createLogger(config.logLevel, (line) => process.stdout.write(line), config.logFormat);
  setGrpcLogger(grpcLog(logger));
  // Built before anything starts, so a bad token or certificate file stops the start.
  const security = new ServerSecurity(config, logger);
  const loginFailureLimit =
    config.consoleLoginLimit === undefined
      ? undefined
      : parseRateText(config.consoleLoginLimit, '--console-login-limit');
  security.checkMetricsListen(config.metricsListen);
  const telemetry = await startTelemetry({
    serviceName: 'codeq',
    metricsListen: config.metricsListen,
    metricsToken: config.metricsToken,
    traceFile: config.traceFile,
    warn: (message, fields) => logger.warn(message, fields),
  }).catch(namingListen('--metrics-listen', config.metricsListen ?? ''));
  let server: CodeqServer | undefined;
  let webConsole: RunningConsole | undefined;
  let description: string;
  try {
    const opened = await openStore(config, logger);
    description = opened.description;
    const claimLatency = config.console ? new ClaimLatency() : undefined;
    server = new CodeqServer(config, {
      store: opened.store,
      logger,
      tracerProvider: telemetry.tracerProvider,
      meterProvider: telemetry.meterProvider,
      security,
      claimLatency,
    });
    // The console first: a --console-listen the listen rule refuses stops the start before
    // the gRPC port opens.
    if (claimLatency) {
      webConsole = await startConsole(server, claimLatency, {
        listen: config.consoleListen,
        insecureAllowRemote: config.insecureAllowRemote,
        tlsCert: config.tlsCert,
        tlsKey: config.tlsKey,
        ...(loginFailureLimit && { loginFailureLimit }),
        logger,
      }).catch(namingListen('--console-listen', config.consoleListen, ', or --no-console'));
    }
    await server.start().catch(namingListen('--listen', config.listen));
  } catch (err) {
    // A start that fails (port in use, Redis unreachable) releases what it opened, Redis
    // connections and the metrics listener included, so the process exits non-zero
    // instead of living on with nothing to serve.
    await webConsole?.stop().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    await telemetry.shutdown().catch(() => undefined);
    throw err;
  }
  // The signal handlers go in before the banner: a supervisor that starts sending traffic,
  // or a stop, as soon as it reads "serving on" must get a drain, not the default kill.
  const onHangup = (): void => {
    try {
      webConsole?.console.reloadTls();
    } catch (err) {
      logger.error('reload: kept the console certificate in force', { error: (err as Error).message });
    }
    const files = security.reloadable;
    if (files.length === 0)
      logger.info('SIGHUP: nothing to re-read (no token, JWKS or certificate file was given)');
    else if (security.reload()) logger.info(`SIGHUP: re-read ${files.join(' and ')}`);
  };
  process.on('SIGHUP', onHangup);
  const stopped = new Promise<void>((resolve) => {
    let draining = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (draining) process.exit(signal === 'SIGINT' ? 130 : 143);
      draining = true;
      logger.info(`${signal}: draining (up to ${config.drainGraceMs} ms); send it again to stop at once`);
      void webConsole?.stop();
      server.stop().then(resolve, (err: unknown) => {
        logger.error('stop failed', { error: err });
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  // HOST:PORT with the port bound (port 0 picks one); a unix: target as it was given.
  const address = parseHostPort(config.listen);
  const host = address?.host.includes(':') ? `[${address.host}]` : address?.host;
  const where = address ? `${host}:${server.port}` : config.listen;
  logger.info(`serving on ${where} with the ${description} store`, {
    version: codeqVersion(),
  });
  if (webConsole) logger.info(`console on ${webConsole.console.url}`);
  else logger.info('console: off (--no-console)');
  for (const line of telemetry.summary) logger.info(line);
  if (!config.redisUrl && !config.redisSentinels) {
    logger.warn('the memory store keeps nothing across restarts; pass --redis URL to keep tasks');
  }
  logger.info(securitySummary(config));
  await stopped;
  process.off('SIGHUP', onHangup);
  await telemetry
    .shutdown()
    .catch((err: unknown) => logger.warn('telemetry shutdown failed', { error: err }));
  logger.info('stopped');
  return 0;
}

/** Rethrows a listener's failure to open as an error naming its flag (describeListenError), any other as it is. */
function namingListen(flag: string, address: string, hint?: string): (err: unknown) => never {
  return (err) => {
    const sentence = describeListenError(err, flag, address, hint);
    throw sentence === undefined ? err : new Error(sentence, { cause: err });
  };
}

/** One line on how callers are checked, for the start-up banner (names files, never their content). */
function securitySummary(config: ServerConfig): string {
  const transport = config.tlsCert
    ? config.tlsClientCa
      ? `mutual TLS (client certificates signed by ${config.tlsClientCa})`
      : 'TLS'
    : 'plaintext';
  const bearer = [
    config.authTokenFile && `static tokens from ${config.authTokenFile}`,
    (config.authJwksUrl ?? config.authJwksFile) &&
      `JWTs signed by ${config.authJwksUrl ?? config.authJwksFile}`,
  ].filter(Boolean);
  if (bearer.length > 0) return `${transport}; bearer credentials: ${bearer.join(', ')}`;
  return config.tlsClientCa
    ? `${transport}; no bearer credentials: every client with a certificate may use every queue`
    : `${transport}; no authentication: every caller may use every queue`;
}
