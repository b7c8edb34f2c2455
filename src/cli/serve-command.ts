import { parseArgs } from 'node:util';
import { serverConfig } from '../config/server-config.js';
import { SERVER_SETTINGS } from '../config/server-settings.js';
import { resolveSettings, settingsHelp, settingsParseArgs } from '../config/settings.js';
import { CodeqServer } from '../server/codeq-server.js';
import { openStore } from '../server/open-store.js';
import { createLogger, isLogFormat, isLogLevel } from '../telemetry/logger.js';
import { startTelemetry } from '../telemetry/telemetry.js';
import { codeqVersion } from './version.js';

export const SERVE_HELP = `Usage: codeq serve [options]

Runs a codeQ server. Without --redis it keeps tasks in memory (nothing survives a
restart); with --redis any number of servers share one Redis or Redis Cluster.

Logs go to standard output, one line per event, each with a timestamp.

Options:
${settingsHelp(SERVER_SETTINGS)}
  -h, --help
      Show this help

Tracing is off unless the standard OpenTelemetry variables ask for it:
  OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
      e.g. http://localhost:4318: traces go there over OTLP/HTTP protobuf
  OTEL_TRACES_EXPORTER          otlp, console, zipkin or none
  OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG
      e.g. parentbased_traceidratio and 0.01 to keep 1 % of traces
  OTEL_SERVICE_NAME             default codeq
  OTEL_METRICS_EXPORTER=otlp    also push metrics over OTLP`;

/** `codeq serve`: runs until SIGINT or SIGTERM, then drains (a second signal stops at once). */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...settingsParseArgs(SERVER_SETTINGS), help: { type: 'boolean', short: 'h' } },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  const config = serverConfig(resolveSettings(SERVER_SETTINGS, values, process.env));
  if (!isLogLevel(config.logLevel)) {
    throw new Error(
      `--log-level: expected error, warn, info or debug, got ${JSON.stringify(config.logLevel)}`,
    );
  }
  if (!isLogFormat(config.logFormat)) {
    throw new Error(`--log-format: expected text or json, got ${JSON.stringify(config.logFormat)}`);
  }
  // A server's log is its output: every line, the server's own and its status lines, on
  // stdout with a timestamp, where container runtimes and log collectors read it.
  const logger = createLogger(config.logLevel, (line) => process.stdout.write(line), config.logFormat);
  const telemetry = await startTelemetry({
    serviceName: 'codeq',
    metricsListen: config.metricsListen,
    traceFile: config.traceFile,
  });
  const { store, description } = await openStore(config);
  const server = new CodeqServer(config, {
    store,
    logger,
    tracerProvider: telemetry.tracerProvider,
    meterProvider: telemetry.meterProvider,
  });
  await server.start();
  const host = config.listen.slice(0, config.listen.lastIndexOf(':'));
  logger.info(`serving on ${host}:${server.port} with the ${description} store`, {
    version: codeqVersion(),
  });
  for (const line of telemetry.summary) logger.info(line);
  if (!config.redisUrl) {
    logger.warn('the memory store keeps nothing across restarts; pass --redis URL to keep tasks');
  }
  await new Promise<void>((resolve) => {
    let draining = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (draining) process.exit(signal === 'SIGINT' ? 130 : 143);
      draining = true;
      logger.info(`${signal}: draining (up to ${config.drainGraceMs} ms); send it again to stop at once`);
      server.stop().then(resolve, (err: unknown) => {
        logger.error('stop failed', { error: err });
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await telemetry
    .shutdown()
    .catch((err: unknown) => logger.warn('telemetry shutdown failed', { error: err }));
  logger.info('stopped');
  return 0;
}
