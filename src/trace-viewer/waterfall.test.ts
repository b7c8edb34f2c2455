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

/** A span of `parent`'s trace, under it. */
function child(
  parent: SpanRecord,
  name: string,
  a: number,
  b: number,
  extra: Partial<SpanRecord> = {},
): SpanRecord {
  return span(name, a, b, { traceId: parent.traceId, parentSpanId: parent.spanId, ...extra });
}

/** A link to `s`. */
function link(s: SpanRecord): { traceId: string; spanId: string } {
  return { traceId: s.traceId, spanId: s.spanId };
}

/** Two tasks produced under one producer span and leased by one claim, delivered to two streams. */
function twoTasks(): SpanRecord[] {
  const producer = span('produce', T, T + 3);
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
  const waitA = child(producer, 'codeq.queue_wait', T + 1, T + 4.4, {
    attributes: { 'messaging.message.id': 'A', 'codeq.attempt': 1 },
    links: [link(dispatch), link(writeA)],
  });
  const waitB = child(producer, 'codeq.queue_wait', T + 2, T + 4.4, {
    attributes: { 'messaging.message.id': 'B', 'codeq.attempt': 1 },
    links: [link(dispatch), link(writeB)],
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

  it('is complete for a task of an EnqueueBatch, whose enqueue span names no task', () => {
    const claimed = (parent: SpanRecord, id: string): SpanRecord[] => {
      const dispatch = span('codeq.dispatch', T + 4, T + 6, { traceId: 'd'.repeat(32) });
      const write = child(dispatch, 'codeq.stream.write', T + 4.8, T + 5);
      const wait = child(parent, 'codeq.queue_wait', T + 1, T + 4.4, {
        attributes: { 'messaging.message.id': id, 'codeq.attempt': 1 },
        links: [link(dispatch), link(write)],
      });
      return [
        dispatch,
        child(dispatch, 'codeq.redis.claim', T + 4.1, T + 4.5),
        child(dispatch, 'codeq.serialize', T + 4.6, T + 4.8),
        write,
        wait,
        child(wait, 'codeq.process', T + 6, T + 7, { attributes: { 'messaging.message.id': id } }),
        child(wait, 'codeq.settle', T + 7, T + 8, { attributes: { 'messaging.message.id': id } }),
      ];
    };
    // Tasks sent without a context take the batch span's: their waits are its children.
    const batch = span('codeq.enqueue', T, T + 1, { attributes: { 'messaging.batch.message_count': 2 } });
    const spans = [batch, child(batch, 'codeq.redis.enqueue', T + 0.2, T + 0.8), ...claimed(batch, 'A')];
    spans.push(...claimed(batch, 'B'));
    expect(renderTaskWaterfall(spans, 'A')?.missing).toEqual([]);
    expect(taskWaterfall(spans, 'A').filter((r) => r.span.name === 'codeq.queue_wait')).toHaveLength(1);
    // Tasks that carried their producer's context: the batch span links to the producers.
    const producer = span('produce', T, T + 1, { traceId: 'p'.repeat(32) });
    const linkedBatch = span('codeq.enqueue', T + 0.1, T + 0.9, { links: [link(producer)] });
    const linkedSpans = [
      producer,
      linkedBatch,
      child(linkedBatch, 'codeq.redis.enqueue', T + 0.2, T + 0.8),
      ...claimed(producer, 'C'),
    ];
    expect(renderTaskWaterfall(linkedSpans, 'C')?.missing).toEqual([]);
  });

  it('is complete for a lease read ahead, whose store claim was made by an earlier dispatch', () => {
    const spans = twoTasks().filter((s) => s.attributes['messaging.message.id'] !== 'B');
    const waitA = spans.find((s) => s.name === 'codeq.queue_wait')!;
    const claiming = spans.find((s) => s.name === 'codeq.dispatch')!;
    // A later dispatch served A from the read-ahead buffer, with no store call of its own.
    const served = span('codeq.dispatch', T + 4.6, T + 5.5, {
      traceId: 'e'.repeat(32),
      links: [link(claiming)],
    });
    const write = child(served, 'codeq.stream.write', T + 4.9, T + 5.1);
    spans.push(served, child(served, 'codeq.serialize', T + 4.7, T + 4.9), write);
    waitA.links = [link(served), link(write)];
    const rows = taskWaterfall(spans, 'A');
    expect(missingStages(rows)).toEqual([]);
    const linked = rows.filter((r) => r.linked).map((r) => r.span.name);
    expect(linked.filter((n) => n === 'codeq.dispatch')).toHaveLength(2);
    // The claiming dispatch's own deliveries carried other tasks: left out.
    expect(linked.filter((n) => n === 'codeq.stream.write')).toHaveLength(1);
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

  it("reads a queue wait under the store clock's millisecond as < 1 ms, other spans as timed", () => {
    const spans = twoTasks().map((s) =>
      s.name === 'codeq.queue_wait'
        ? { ...s, endMs: s.startMs }
        : s.name === 'codeq.settle'
          ? { ...s, endMs: s.startMs }
          : s,
    );
    const rows = taskWaterfall(spans, 'A');
    const text = waterfallText(rows, { columns: 100, title: 'task A' });
    expect(text).toMatch(/codeq\.queue_wait \(attempt 1\) +\|.*\| +< 1 ms$/m);
    expect(text).toMatch(/codeq\.settle +\|.*\| +0$/m);
    expect(waterfallSvg(rows, { title: 'task A' })).toContain('>&#60; 1 ms</text>');
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
