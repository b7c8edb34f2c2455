import { parseArgs } from 'node:util';
import { Worker } from '../../clients/index.js';
import { parseDurationMs } from '../config/duration.js';
import { settingsHelp, settingsParseArgs } from '../config/settings.js';
import { startTelemetry } from '../telemetry/telemetry.js';
import { CLIENT_SETTINGS, clientConnection } from './client-settings.js';
import { EXIT_PERMANENT, execHandler } from './exec-handler.js';

export const WORK_HELP = `Usage: codeq work QUEUE[,QUEUE...] --exec COMMAND [options]

Holds a Claim stream and runs COMMAND in a shell for every task: the payload on stdin,
the task in CODEQ_TASK_ID, CODEQ_QUEUE, CODEQ_ATTEMPT, CODEQ_MAX_ATTEMPTS, CODEQ_PRIORITY
and CODEQ_LEASE_ID. Exit 0 completes the task with stdout as its result; exit ${EXIT_PERMANENT} fails
it for good; any other exit fails the attempt and it is retried with its backoff.
Leases are extended while COMMAND runs. SIGINT or SIGTERM stops taking tasks and waits for
running ones; a second signal stops at once.

Options:
  --exec COMMAND            Shell command to run per task (required)
  --concurrency N           Tasks run at the same time (default 1)
  --lease-duration DURATION Lease length asked for (default 30s)
  --worker-id ID            Name of this worker in server logs (default HOST-PID)
  --shutdown-grace DURATION How long a stop waits for running tasks (default 30s)
  --trace-file PATH         Append the worker's spans to PATH as OTLP/JSON lines
${settingsHelp(CLIENT_SETTINGS)}
  -h, --help                Show this help

Spans (codeq.process, codeq.settle) are exported when the standard OTEL_* variables ask
for it (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_EXPORTER, OTEL_TRACES_SAMPLER...).`;

/** `codeq work`: a worker with no code of its own. */
export async function workCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...settingsParseArgs(CLIENT_SETTINGS),
      exec: { type: 'string' },
      concurrency: { type: 'string' },
      'lease-duration': { type: 'string' },
      'worker-id': { type: 'string' },
      'shutdown-grace': { type: 'string' },
      'trace-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(WORK_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new Error(`expected QUEUE[,QUEUE...]\n\n${WORK_HELP}`);
  if (!values.exec) throw new Error('--exec: required; the shell command to run per task');
  const queues = positionals[0]!.split(',').filter(Boolean);
  const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new Error(
      `--concurrency: expected a whole number of at least 1, got ${JSON.stringify(values.concurrency)}`,
    );
  }
  const connection = clientConnection(values, process.env);
  const run = execHandler(values.exec);
  const telemetry = await startTelemetry({ serviceName: 'codeq-worker', traceFile: values['trace-file'] });
  const worker = new Worker({
    ...(telemetry.tracerProvider && { tracerProvider: telemetry.tracerProvider }),
    ...connection,
    queues,
    concurrency,
    ...(values['lease-duration'] && {
      leaseDurationMs: parseDurationMs(values['lease-duration'], '--lease-duration'),
    }),
    ...(values['worker-id'] && { workerId: values['worker-id'] }),
    ...(values['shutdown-grace'] && {
      shutdownGraceMs: parseDurationMs(values['shutdown-grace'], '--shutdown-grace'),
    }),
    handler: async (task, context) => {
      const started = performance.now();
      const what = `task ${task.id} (${task.queue}, attempt ${task.attempt}/${task.maxAttempts})`;
      try {
        const result = await run(task, context);
        console.error(`codeq work: ${what} completed in ${Math.round(performance.now() - started)} ms`);
        return result;
      } catch (err) {
        console.error(`codeq work: ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
    },
  });
  await worker.start();
  console.error(
    `codeq work: taking tasks of ${queues.join(', ')} from ${connection.address}, ${concurrency} at a time`,
  );
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
      stopping = true;
      console.error(`codeq work: ${signal}: finishing running tasks; send it again to stop at once`);
      worker.stop().then(resolve, (err: unknown) => {
        console.error(`codeq work: stop failed: ${String(err)}`);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await telemetry.shutdown().catch(() => undefined);
  return 0;
}
