import { ATTR, queueWaitBelowClock, SPAN, storeSpanNames, type StoreSpanNames } from '../spans/semconv.js';
import type { SpanRecord } from '../telemetry/span-record.js';
import { taskWaterfall, type WaterfallRow } from './task-spans.js';

export { taskWaterfall, type WaterfallRow };

/** Options of the renderers. */
export interface WaterfallOptions {
  /** A title line; default names the task, its queue and the total time. */
  title?: string;
  /** SVG: width in pixels. Default 1100. */
  width?: number;
  /** Terminal: width in columns. Default 100. */
  columns?: number;
  /** Terminal only: ANSI colours. Default false. */
  color?: boolean;
}

/** Colour of each stage: the producer's side blue, the wait amber, the claim path purple and teal, the worker green. */
const COLORS: Record<string, { fill: string; ansi: number }> = {
  [SPAN.enqueue]: { fill: '#4e79a7', ansi: 34 },
  [SPAN.redisEnqueue]: { fill: '#76b7e5', ansi: 36 },
  [SPAN.storeEnqueue]: { fill: '#76b7e5', ansi: 36 },
  [SPAN.queueWait]: { fill: '#f2a33a', ansi: 33 },
  [SPAN.dispatch]: { fill: '#8d6cc2', ansi: 35 },
  [SPAN.redisClaim]: { fill: '#b59ce0', ansi: 35 },
  [SPAN.storeClaim]: { fill: '#b59ce0', ansi: 35 },
  [SPAN.serialize]: { fill: '#2f9e8f', ansi: 36 },
  [SPAN.streamWrite]: { fill: '#59c3b4', ansi: 36 },
  [SPAN.process]: { fill: '#59a14f', ansi: 32 },
  [SPAN.settle]: { fill: '#9cc46b', ansi: 32 },
};
const OTHER = { fill: '#9a9a9a', ansi: 37 };
const ERROR = { fill: '#d6404e', ansi: 31 };

function colorOf(span: SpanRecord): { fill: string; ansi: number } {
  return span.status.code === 2 ? ERROR : (COLORS[span.name] ?? OTHER);
}

/** A duration for people: microseconds, milliseconds or seconds as fits. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 100) return `${ms.toFixed(2)} ms`;
  if (ms < 10_000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A row's duration; a queue wait under its clock's millisecond as `queueWaitBelowClock` says. */
function durationLabel(span: SpanRecord): string {
  const ms = span.endMs - span.startMs;
  return (span.name === SPAN.queueWait ? queueWaitBelowClock(ms) : undefined) ?? formatDuration(ms);
}

function bounds(rows: readonly WaterfallRow[]): { t0: number; t1: number } {
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const { span } of rows) {
    t0 = Math.min(t0, span.startMs);
    t1 = Math.max(t1, span.endMs);
  }
  return { t0, t1: Math.max(t1, t0 + 0.001) };
}

function label(row: WaterfallRow): string {
  const { span } = row;
  const attempt = span.attributes[ATTR.attempt];
  const suffix = span.name === SPAN.queueWait && attempt !== undefined ? ` (attempt ${String(attempt)})` : '';
  return `${row.linked ? '↗ ' : ''}${span.name}${suffix}`;
}

function defaultTitle(rows: readonly WaterfallRow[]): string {
  const wait = rows.find((r) => r.span.name === SPAN.queueWait)?.span;
  const id = wait?.attributes[ATTR.messageId] ?? rows[0]?.span.attributes[ATTR.messageId] ?? '';
  const queue = wait?.attributes[ATTR.destination] ?? '';
  const { t0, t1 } = bounds(rows);
  return `task ${String(id)}${queue ? ` on ${String(queue)}` : ''}: ${formatDuration(t1 - t0)} from first to last span`;
}

/** Round tick spacing for a time axis of `span` ms with about `target` ticks. */
function tickStep(span: number, target: number): number {
  const raw = span / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The waterfall as a standalone SVG: one row per span, indented by depth, each a bar on a
 * shared time axis (milliseconds from the first span's start) labelled with its
 * duration. Spans reached through a link (the shared claim spans) are marked ↗ and drawn
 * hatched-lighter; failed spans are red.
 */
export function waterfallSvg(rows: readonly WaterfallRow[], options: WaterfallOptions = {}): string {
  const width = options.width ?? 1100;
  const labelWidth = 320;
  const durationWidth = 90;
  const rowHeight = 24;
  const top = 64;
  const chartWidth = width - labelWidth - durationWidth - 20;
  const height = top + rows.length * rowHeight + 30;
  const { t0, t1 } = bounds(rows);
  const x = (ms: number): number => labelWidth + ((ms - t0) / (t1 - t0)) * chartWidth;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, Menlo, Consolas, monospace" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="24" font-size="15" font-weight="bold">${escapeXml(options.title ?? defaultTitle(rows))}</text>`,
  );
  const step = tickStep(t1 - t0, 8);
  for (let t = 0; t <= t1 - t0 + 1e-9; t += step) {
    const tx = x(t0 + t).toFixed(1);
    out.push(
      `<line x1="${tx}" y1="${top - 8}" x2="${tx}" y2="${height - 24}" stroke="#e3e3e3"/>`,
      `<text x="${tx}" y="${top - 14}" text-anchor="middle" fill="#555">${escapeXml(formatDuration(t))}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const { span } = row;
    const y = top + i * rowHeight;
    const duration = durationLabel(span);
    const bx = x(span.startMs);
    const bw = Math.max(1.5, x(span.endMs) - bx);
    const { fill } = colorOf(span);
    if (i % 2 === 1)
      out.push(`<rect x="0" y="${y - 3}" width="${width}" height="${rowHeight}" fill="#f7f7f7"/>`);
    out.push(
      `<text x="${12 + row.depth * 14}" y="${y + 13}" fill="${row.linked ? '#6b5a8a' : '#222'}">${escapeXml(label(row))}</text>`,
      `<rect x="${bx.toFixed(1)}" y="${y}" width="${bw.toFixed(1)}" height="${rowHeight - 8}" rx="2" fill="${fill}"${row.linked ? ' fill-opacity="0.6" stroke="' + fill + '" stroke-dasharray="3 2"' : ''}><title>${escapeXml(`${span.name} ${duration}`)}</title></rect>`,
      `<text x="${width - durationWidth}" y="${y + 13}" fill="#333">${escapeXml(duration)}</text>`,
    );
  });
  out.push(
    `<text x="12" y="${height - 8}" fill="#777">↗ shared claim spans linked from the task's queue wait (one claim can serve many tasks). Times from the first span's start.</text>`,
    '</svg>',
  );
  return out.join('\n') + '\n';
}

/** The waterfall as text: a row per span with its bar on a time axis and its duration. */
export function waterfallText(rows: readonly WaterfallRow[], options: WaterfallOptions = {}): string {
  const width = Math.max(60, options.columns ?? 100);
  const labels = rows.map((r) => `${'  '.repeat(r.depth)}${label(r)}`);
  const labelWidth = Math.min(44, Math.max(...labels.map((l) => l.length), 10));
  const durationWidth = 10;
  const barWidth = Math.max(10, width - labelWidth - durationWidth - 4);
  const { t0, t1 } = bounds(rows);
  const col = (ms: number): number => ((ms - t0) / (t1 - t0)) * barWidth;
  const lines = [options.title ?? defaultTitle(rows)];
  const axis = `${' '.repeat(labelWidth)} |0${' '.repeat(Math.max(0, barWidth - 1 - formatDuration(t1 - t0).length))}${formatDuration(t1 - t0)}|`;
  lines.push(axis);
  rows.forEach((row, i) => {
    const { span } = row;
    const from = col(span.startMs);
    const to = col(span.endMs);
    const start = Math.min(barWidth - 1, Math.floor(from));
    const cells = Math.max(1, Math.round(to) - start);
    const glyph = row.linked ? '▒' : '█';
    let bar = ' '.repeat(start) + glyph.repeat(Math.min(cells, barWidth - start));
    bar = bar.padEnd(barWidth);
    if (options.color) bar = `\u001b[${colorOf(span).ansi}m${bar}\u001b[0m`;
    const name =
      labels[i]!.length > labelWidth
        ? `${labels[i]!.slice(0, labelWidth - 1)}…`
        : labels[i]!.padEnd(labelWidth);
    lines.push(`${name} |${bar}| ${durationLabel(span).padStart(durationWidth - 1)}`);
  });
  return lines.join('\n') + '\n';
}

/**
 * The stages of a complete waterfall (a task enqueued, delivered and settled) that no row
 * shows, in the order they happen. The store stages count under either store's name and
 * are reported under the name of the store the other rows came from (both names when no
 * store span is there to tell).
 */
export function missingStages(rows: readonly WaterfallRow[]): string[] {
  const names = new Set(rows.map((r) => r.span.name));
  const redis = storeSpanNames('redis');
  const other = storeSpanNames('memory');
  const seen = (n: StoreSpanNames): boolean => [n.enqueue, n.claim, n.settle].some((x) => names.has(x));
  const store =
    rows.map((r) => r.span.attributes[ATTR.store]).find((s) => typeof s === 'string') ??
    (seen(redis) ? 'redis' : seen(other) ? 'memory' : undefined);
  const storeStage = (key: 'enqueue' | 'claim'): string => {
    if (names.has(redis[key]) || names.has(other[key])) return '';
    return store === undefined ? `${redis[key]} or ${other[key]}` : storeSpanNames(store)[key];
  };
  const expected = [
    SPAN.enqueue,
    storeStage('enqueue'),
    SPAN.queueWait,
    SPAN.dispatch,
    storeStage('claim'),
    SPAN.serialize,
    SPAN.streamWrite,
    SPAN.process,
    SPAN.settle,
  ];
  return expected.filter((name) => name !== '' && !names.has(name));
}

/**
 * Convenience: the waterfall of `taskId` among `spans`, as SVG and text, with the stages
 * a complete waterfall would show but these spans lack.
 */
export function renderTaskWaterfall(
  spans: readonly SpanRecord[],
  taskId: string,
  options: WaterfallOptions = {},
): { rows: WaterfallRow[]; svg: string; text: string; missing: string[] } | undefined {
  const rows = taskWaterfall(spans, taskId);
  if (rows.length === 0) return undefined;
  return {
    rows,
    svg: waterfallSvg(rows, options),
    text: waterfallText(rows, options),
    missing: missingStages(rows),
  };
}
