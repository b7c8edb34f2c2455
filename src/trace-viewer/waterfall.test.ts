import { describe, expect, it } from 'vitest';
import { otlpRequestOf, spansFromOtlpJson } from '../telemetry/otlp-json.js';
import type { SpanRecord } from '../telemetry/span-record.js';
import { formatStageTable, percentile, stageStatistics, taskAtClaimPercentile } from './stage-stats.js';
import {
  missingStages,
  renderTaskWaterfall,
  taskWaterfall,
  waterfallSvg,
  waterfallText,
} from './waterfall.js';

let ids = 0;
function span(name: string, startMs: number, endMs: number, extra: Partial<SpanRecord> = {}): SpanRecord {
  return {
    traceId: 'a'.repeat(32),
    spanId: (++ids).toString(16).padStart(16, '0'),
    name,
    kind: 0,
    startMs,
    endMs,
    attributes: {},
    links: [],
    status: { code: 0 },
    ...extra,
  };
}

const T = 1_700_000_000_000;

/** Two tasks produced under one producer span and leased by one claim, delivered to two streams. */
function twoTasks(): SpanRecord[] {
  const producer = span('produce', T, T + 3);
  const child = (s: SpanRecord, name: string, a: number, b: number, extra: Partial<SpanRecord> = {}) =>
    span(name, a, b, { traceId: s.traceId, parentSpanId: s.spanId, ...extra });
  const enqueueA = child(producer, 'codeq.enqueue', T + 0.5, T + 1, {
    attributes: { 'messaging.message.id': 'A' },
  });
  const storeA = child(enqueueA, 'codeq.redis.enqueue', T + 0.6, T + 0.9);
  const enqueueB = child(producer, 'codeq.enqueue', T + 1.5, T + 2, {
    attributes: { 'messaging.message.id': 'B' },
  });
  const dispatch = span('codeq.dispatch', T + 4, T + 6, { traceId: 'd'.repeat(32) });
  const claim = child(dispatch, 'codeq.redis.claim', T + 4.1, T + 4.5);
  const serializeA = child(dispatch, 'codeq.serialize', T + 4.6, T + 4.8);
  const writeA = child(dispatch, 'codeq.stream.write', T + 4.8, T + 5);
  const serializeB = child(dispatch, 'codeq.serialize', T + 5, T + 5.2);
  const writeB = child(dispatch, 'codeq.stream.write', T + 5.2, T + 5.9);
  const link = (...spans: SpanRecord[]) => spans.map((s) => ({ traceId: s.traceId, spanId: s.spanId }));
  const waitA = child(producer, 'codeq.queue_wait', T + 1, T + 4.4, {
    attributes: { 'messaging.message.id': 'A', 'codeq.attempt': 1 },
    links: link(dispatch, writeA),
  });
  const waitB = child(producer, 'codeq.queue_wait', T + 2, T + 4.4, {
    attributes: { 'messaging.message.id': 'B', 'codeq.attempt': 1 },
    links: link(dispatch, writeB),
  });
  const processA = child(waitA, 'codeq.process', T + 6, T + 9, {
    attributes: { 'messaging.message.id': 'A' },
  });
  const handlerA = child(processA, 'handler', T + 6.5, T + 8.5);
  const settleA = child(waitA, 'codeq.settle', T + 9, T + 10, {
    attributes: { 'messaging.message.id': 'A' },
  });
  const processB = child(waitB, 'codeq.process', T + 6, T + 7, {
    attributes: { 'messaging.message.id': 'B' },
  });
  return [
    producer,
    enqueueA,
    storeA,
    enqueueB,
    dispatch,
    claim,
    serializeA,
    writeA,
    serializeB,
    writeB,
    waitA,
    waitB,
    processA,
    handlerA,
    settleA,
    processB,
  ];
}

describe('taskWaterfall', () => {
  it("shows one task's life, with only the claim spans that carried it, in stage order", () => {
    const rows = taskWaterfall(twoTasks(), 'A');
    expect(rows.map((r) => `${'  '.repeat(r.depth)}${r.linked ? '~' : ''}${r.span.name}`)).toEqual([
      'produce',
      '  codeq.enqueue',
      '    codeq.redis.enqueue',
      '  codeq.queue_wait',
      '    ~codeq.dispatch',
      '      ~codeq.redis.claim',
      '      ~codeq.serialize',
      '      ~codeq.stream.write',
      '    codeq.process',
      '      handler',
      '    codeq.settle',
    ]);
    // B's enqueue, wait, process and B's serialize/write (5.0–5.9) are left out.
    expect(rows.some((r) => r.span.endMs === T + 5.9)).toBe(false);
  });

  it('names the stages a partial waterfall lacks, under the store the other spans came from', () => {
    expect(missingStages(taskWaterfall(twoTasks(), 'A'))).toEqual([]);
    // B's store enqueue and settle were not recorded; its claim was on Redis.
    expect(renderTaskWaterfall(twoTasks(), 'B')?.missing).toEqual(['codeq.redis.enqueue', 'codeq.settle']);
    const serverOnly = twoTasks().filter(
      (s) => !['codeq.process', 'codeq.settle', 'handler'].includes(s.name),
    );
    const noStore = serverOnly.filter((s) => !s.name.startsWith('codeq.redis.'));
    expect(missingStages(taskWaterfall(noStore, 'A'))).toEqual([
      'codeq.redis.enqueue or codeq.store.enqueue',
      'codeq.redis.claim or codeq.store.claim',
      'codeq.process',
      'codeq.settle',
    ]);
  });

  it('is empty for a task no span names', () => {
    expect(taskWaterfall(twoTasks(), 'nobody')).toEqual([]);
  });

  it('renders every row as a bar with its duration, in SVG and in text', () => {
    const rows = taskWaterfall(twoTasks(), 'A');
    const svg = waterfallSvg(rows, { title: 'task A' });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('task A');
    expect(svg.match(/<rect x="[\d.]+" y="\d+" width="[\d.]+" height="16"/g)).toHaveLength(rows.length);
    expect(svg).toContain('3.40 ms'); // the queue wait
    const text = waterfallText(rows, { columns: 100, title: 'task A' });
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(rows.length + 2);
    expect(lines[4]).toMatch(/^ {4}codeq\.redis\.enqueue +\| +█+ +\| +300 µs$/);
    expect(text).toContain('↗ codeq.dispatch');
    expect(renderTaskWaterfall(twoTasks(), 'B')?.rows.map((r) => r.span.name)).toContain('codeq.process');
  });
});

describe('OTLP/JSON', () => {
  it('round-trips spans, and reads JSON Lines with string enums and base64 ids', () => {
    const spans = twoTasks();
    const text = `${JSON.stringify(otlpRequestOf(spans))}\n\n${JSON.stringify(otlpRequestOf(spans.slice(0, 1)))}\n`;
    const back = spansFromOtlpJson(text);
    expect(back).toHaveLength(spans.length + 1);
    expect(back[0]).toEqual({ ...spans[0], service: 'unknown_service' });
    expect(back.find((s) => s.name === 'codeq.queue_wait')?.links).toHaveLength(2);
    const proto = spansFromOtlpJson(
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: Buffer.from('ab'.repeat(16), 'hex').toString('base64'),
                    spanId: Buffer.from('cd'.repeat(8), 'hex').toString('base64'),
                    name: 'x',
                    kind: 'SPAN_KIND_CONSUMER',
                    startTimeUnixNano: '1700000000000500000',
                    endTimeUnixNano: '1700000000002000000',
                    attributes: [{ key: 'codeq.attempt', value: { intValue: '2' } }],
                    status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(proto).toEqual([
      {
        traceId: 'ab'.repeat(16),
        spanId: 'cd'.repeat(8),
        name: 'x',
        kind: 4,
        startMs: T + 0.5,
        endMs: T + 2,
        attributes: { 'codeq.attempt': 2 },
        links: [],
        status: { code: 2, message: 'boom' },
        service: 'svc',
      },
    ]);
  });
});

describe('stage statistics', () => {
  it('gives p50, p99 and max per stage, and finds the task at a claim percentile', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    const stats = stageStatistics(twoTasks());
    const wait = stats.find((s) => s.stage === 'codeq.queue_wait')!;
    expect(wait.count).toBe(2);
    expect(wait.p50Ms).toBeCloseTo(2.4);
    expect(wait.maxMs).toBeCloseTo(3.4);
    expect(stats.find((s) => s.stage === 'codeq.settle.batch')?.count).toBe(0);
    // A Redis run: the memory store's stage rows would only be empty.
    expect(stats.map((s) => s.stage)).toContain('codeq.redis.settle');
    expect(stats.map((s) => s.stage)).not.toContain('codeq.store.claim');
    expect(taskAtClaimPercentile(twoTasks(), 50)?.taskId).toBe('B');
    expect(taskAtClaimPercentile(twoTasks(), 99)?.taskId).toBe('A');
    expect(formatStageTable(stats).split('\n')[0]).toMatch(/^stage +count +p50 ms +p99 ms +max ms$/);
  });
});
