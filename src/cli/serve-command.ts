import { parseArgs } from 'node:util';
import { serverConfigFromFlags } from '../config/server-config.js';
import { SERVER_SETTINGS } from '../config/server-settings.js';
import { HELP_ENTRY, settingsHelp, settingsParseArgs } from '../config/settings.js';
import { isLogFormat, isLogLevel } from '../telemetry/logger.js';
import { negativeValuesJoined } from './positional-args.js';
import { UsageError } from '../config/usage-error.js';

/** What `codeq serve --help` prints (the help-width test keeps its lines to 88 columns). */
export const SERVE_HELP = `Usage: codeq serve [options]

Runs a codeQ server. Without --redis it keeps tasks in memory (nothing survives a
restart); with --redis any number of servers share one Redis or Redis Cluster.

Logs go to standard output, one line per event, each with a timestamp.
Without --auth-token-file, --auth-jwks-url, --auth-jwks-file or --tls-client-ca anyone
who reaches the port may use every queue, so the server then listens on loopback only
unless --insecure-allow-remote; /metrics likewise, unless --metrics-token. JWTs need
--auth-jwt-audience (or --auth-jwt-any-audience). SIGHUP re-reads the token, JWKS and
certificate files.

Options:
${settingsHelp(SERVER_SETTINGS)}
${HELP_ENTRY}

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
  const options = { ...settingsParseArgs(SERVER_SETTINGS), help: { type: 'boolean', short: 'h' } } as const;
  const { values } = parseArgs({
    args: negativeValuesJoined(argv, options),
    options,
    allowPositionals: false,
    // --no-console and the like: a boolean setting whose default is on can be turned off.
    allowNegative: true,
  });
  if (values.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  const config = serverConfigFromFlags(values, process.env);
  if (!isLogLevel(config.logLevel)) {
    throw new UsageError(
      `--log-level: expected error, warn, info or debug, got ${JSON.stringify(config.logLevel)}`,
    );
  }
  if (!isLogFormat(config.logFormat)) {
    throw new UsageError(`--log-format: expected text or json, got ${JSON.stringify(config.logFormat)}`);
  }
  // The server's modules load only once the command line holds: --help and usage errors
  // answer without them.
  const { runServer } = await import('./run-server.js');
  return runServer({ ...config, logLevel: config.logLevel, logFormat: config.logFormat });
}
