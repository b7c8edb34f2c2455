import { accessSync, constants, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { Producer, Worker } from '../../clients/index.js';
import { serverConfig } from '../config/server-config.js';
import { MemoryStore } from '../lease-store/memory/memory-store.js';
import { CodeqServer } from '../server/codeq-server.js';
import { spansFromOtlpJson } from '../telemetry/otlp-json.js';
import type { SpanRecord } from '../telemetry/span-record.js';
import { SpanRecorder } from '../trace-viewer/span-recorder.js';
import { nowMs } from '../spans/span-helpers.js';
import { formatStageTable, stageStatistics, taskAtClaimPercentile } from '../trace-viewer/stage-stats.js';
import { renderTaskWaterfall } from '../trace-viewer/waterfall.js';
import { idsAsPositionals } from './positional-args.js';
import { HELP_ENTRY, parseWholeNumber } from '../config/settings.js';
import { UsageError } from '../config/usage-error.js';

/** What `codeq trace --help` prints (the help-width test keeps its lines to 88 columns). */
export const TRACE_HELP = `Usage: codeq trace TASK_ID --file PATH [--file PATH ...] [options]
       codeq trace --demo [options]

Draws the waterfall of one task's spans: every stage of its life (enqueue, queue wait,
dispatch, store claim, serialization, stream write, process, settle) as a bar on one
time axis, with its duration, and names the stages it found no span for. The text goes
to the terminal; --svg also writes an SVG.

Spans come from OTLP/JSON files: what 'codeq serve --trace-file' and 'codeq work
--trace-file' write, an OTLP/HTTP JSON export, or the Collector's file exporter. Pass
the server's and the worker's files together to see both sides. With --demo, codeq runs
a server, a producer and a worker in this process, records their spans in memory, and
draws the task whose claim latency was the median (TASK_ID not needed).

Options:
  --file PATH
      OTLP/JSON spans (one request per line, or one per file); repeat for more files
  --svg PATH
      Also write the waterfall as SVG to PATH
  --stats
      Also print p50 / p99 / max per stage over every span read
  --demo
      Record a small run in this process instead of reading files
  --count N
      With --demo: tasks to run (default 50)
  --width N
      Terminal width in columns (default: the terminal's, or 100)
  --no-color
      No ANSI colours
${HELP_ENTRY}`;

/** Runs `count` tasks through an in-process server and worker, recording every span. */
async function recordDemo(count: number): Promise<SpanRecord[]> {
  const recorder = new SpanRecorder();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: recorder })] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const store = new MemoryStore();
  const server = new CodeqServer(serverConfig({ listen: '127.0.0.1:0' }), {
    store,
    tracerProvider: provider,
  });
  await server.start();
  const address = `127.0.0.1:${server.port}`;
  const producer = new Producer({ address });
  let done = 0;
  const worker = new Worker({
    address,
    queues: ['demo'],
    concurrency: 8,
    tracerProvider: provider,
    handler: async (task) => {
      const work = provider.getTracer('demo-app').startSpan('demo handler work', { startTime: nowMs() });
      await new Promise((resolve) => setTimeout(resolve, 1 + (task.payload.length % 4)));
      work.end(nowMs());
      done++;
      return 'ok';
    },
  });
  try {
    await worker.start();
    const app = provider.getTracer('demo-app');
    for (let i = 0; i < count; i++) {
      const span = app.startSpan('demo producer', {
        root: true,
        kind: SpanKind.PRODUCER,
        startTime: nowMs(),
      });
      await context.with(trace.setSpan(context.active(), span), () =>
        producer.enqueue('demo', 'x'.repeat(1 + (i % 4))),
      );
      span.end(nowMs());
    }
    const deadline = Date.now() + 10_000;
    while (done < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    // Let the last settles be acknowledged, so their spans end.
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    await worker.stop();
    producer.close();
    await server.stop();
    await provider.shutdown();
    context.disable();
  }
  return [...recorder.spans];
}

/** `codeq trace`: a task's waterfall from OTLP/JSON files, or from a run recorded in-process. */
export async function traceCommand(argv: string[]): Promise<number> {
  const options = {
    file: { type: 'string', multiple: true },
    svg: { type: 'string' },
    stats: { type: 'boolean' },
    demo: { type: 'boolean' },
    count: { type: 'string' },
    width: { type: 'string' },
    'no-color': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const { values, positionals } = parseArgs({
    args: idsAsPositionals(argv, options),
    allowPositionals: true,
    options,
  });
  if (values.help) {
    console.log(TRACE_HELP);
    return 0;
  }
  // Checked before the demo runs or a file is read: a width that is no number drew nothing.
  const columns =
    values.width === undefined
      ? (process.stdout.columns ?? 100)
      : parseWholeNumber(values.width, '--width', 1);
  // Checked before the demo runs: a path that cannot be written lost the whole run.
  if (values.svg !== undefined) checkSvgPath(values.svg);
  let spans: SpanRecord[];
  let taskId = positionals[0];
  if (positionals.length > 1) throw new UsageError(`expected one TASK_ID\n\n${TRACE_HELP}`);
  if (values.demo) {
    const count = values.count === undefined ? 50 : parseWholeNumber(values.count, '--count', 1);
    spans = await recordDemo(count);
    taskId ??= taskAtClaimPercentile(spans, 50)?.taskId;
  } else {
    const files = values.file ?? [];
    if (files.length === 0)
      throw new UsageError(`--file: give at least one OTLP/JSON file, or --demo\n\n${TRACE_HELP}`);
    spans = files.flatMap((file) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`--file: cannot read ${file}: ${(err as Error).message}`, { cause: err });
      }
      try {
        return spansFromOtlpJson(text);
      } catch (err) {
        throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
      }
    });
  }
  if (values.stats) console.log(`${formatStageTable(stageStatistics(spans))}\n`);
  if (!taskId) throw new UsageError(`expected a TASK_ID\n\n${TRACE_HELP}`);
  const drawn = renderTaskWaterfall(spans, taskId, {
    columns,
    color: !values['no-color'] && process.stdout.isTTY === true,
  });
  if (!drawn) {
    // The waterfall hangs from the server's spans (the enqueue, the queue wait); a file of
    // the worker's alone names the task in its codeq.process spans only.
    const workerOnly = spans.some((span) => span.attributes['messaging.message.id'] === taskId);
    console.error(
      workerOnly
        ? `codeq trace: only worker spans name task ${taskId}: the waterfall starts at the server's spans; pass the server's --trace-file too`
        : `codeq trace: no spans name task ${taskId} (read ${spans.length} spans; ` +
            '--trace-file writes spans within a second of their end, so a task that just ran may need a moment)',
    );
    return 1;
  }
  process.stdout.write(drawn.text);
  if (drawn.missing.length > 0) {
    // A partial waterfall usually means a file was left out (the worker's, say) or the
    // spans were not sampled: say which stages are absent rather than draw less silently.
    console.log(
      `codeq trace: partial waterfall: no span for ${drawn.missing.join(', ')} (pass the server's and the worker's --trace-file)`,
    );
  }
  if (values.svg) {
    try {
      writeFileSync(values.svg, drawn.svg);
    } catch (err) {
      throw new UsageError(`--svg: cannot write ${values.svg}: ${(err as Error).message}`, { cause: err });
    }
    console.log(`codeq trace: wrote ${values.svg}`);
  }
  return 0;
}

/**
 * Refuses, naming --svg, a `path` that cannot be written, before any work: its directory
 * missing or not a directory, the path a directory, or either not writable.
 */
function checkSvgPath(path: string): void {
  const why = svgPathProblem(path);
  if (why !== undefined) throw new UsageError(`--svg: cannot write ${path}: ${why}`);
}

/** Why `path` cannot be written as a file; undefined when nothing is seen against it. */
function svgPathProblem(path: string): string | undefined {
  if (path === '') return 'expected a file path';
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a directory`;
    const existing = statSync(path, { throwIfNoEntry: false });
    if (existing?.isDirectory()) return 'it is a directory';
    accessSync(existing ? path : dir, constants.W_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `no such directory ${dir}`;
    return code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message;
  }
}
