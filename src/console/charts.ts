import { html, type SafeHtml } from './html.js';
import { duration } from './format.js';

/** One line of a chart: its CSS class (the colour) and its values, NaN for a gap. */
export interface Line {
  cls: string;
  values: readonly number[];
}

/** The `points` attribute runs of one line: a gap (NaN) starts a new run. */
function runs(values: readonly number[], width: number, height: number, max: number): string[] {
  const out: string[] = [];
  let current: string[] = [];
  const step = values.length > 1 ? width / (values.length - 1) : width;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) {
      if (current.length > 0) out.push(current.join(' '));
      current = [];
      return;
    }
    const y = height - 1 - (max > 0 ? (v / max) * (height - 2) : 0);
    current.push(`${(i * step).toFixed(1)},${y.toFixed(1)}`);
  });
  if (current.length > 0) out.push(current.join(' '));
  return out;
}

/**
 * A line chart as inline SVG (no script, styled by the stylesheet): every line on one
 * linear scale from 0 to the largest value, which `format` (when given) labels in the
 * corner. `label` is read by screen readers.
 */
export function lineChart(
  lines: readonly Line[],
  width: number,
  height: number,
  label: string,
  format?: (v: number) => string,
): SafeHtml {
  let max = 0;
  for (const line of lines) for (const v of line.values) if (Number.isFinite(v) && v > max) max = v;
  // A lone point (a gap on both sides) is drawn as a dot: a line of one point is invisible.
  const shapes = lines.map((line) =>
    runs(line.values, width, height, max).map((points) => {
      if (points.includes(' ')) return html`<polyline class="${line.cls}" points="${points}" />`;
      const [x, y] = points.split(',');
      return html`<circle class="${line.cls}" cx="${x}" cy="${y}" r="2.5" />`;
    }),
  );
  const svg = html`<svg
    class="chart"
    viewBox="0 0 ${width} ${height}"
    width="${width}"
    height="${height}"
    role="img"
    aria-label="${label}"
    preserveAspectRatio="none"
  >
    <line class="axis" x1="0" y1="${height - 0.5}" x2="${width}" y2="${height - 0.5}" />
    ${shapes}
  </svg>`;
  if (!format) return svg;
  return html`<div class="chart-wrap"><span class="ymax">${max > 0 ? format(max) : ''}</span>${svg}</div>`;
}

/** One bar of a waterfall: a stage from `start` to `end` (ms, any common origin). */
export interface WaterfallBar {
  label: string;
  cls: string;
  start: number;
  end: number;
  note?: string;
  /** What the bar's duration reads when its length would mislead (a wait timed in whole ms). */
  shown?: string;
}

/**
 * A waterfall as inline SVG: one row per stage, bars on one time axis from the first
 * start to the last end, each labelled with its duration. A bar too short to see gets a
 * 2 px minimum, so a 20 µs stage next to a 2 s queue wait is still there.
 */
export function waterfall(bars: readonly WaterfallBar[], width = 720): SafeHtml {
  const shown = bars.filter((b) => Number.isFinite(b.start) && Number.isFinite(b.end));
  if (shown.length === 0) return html`<p class="muted">No timings.</p>`;
  const from = Math.min(...shown.map((b) => b.start));
  const to = Math.max(...shown.map((b) => b.end));
  const span = Math.max(to - from, 0.001);
  const labelW = 130;
  const valueW = 90;
  const plot = width - labelW - valueW;
  const rowH = 22;
  const rows = shown.map((b, i) => {
    const x = labelW + ((b.start - from) / span) * plot;
    const w = Math.max(2, ((b.end - b.start) / span) * plot);
    const y = i * rowH;
    const value = b.shown ?? duration(b.end - b.start);
    const title = `${b.label}: ${value}${b.note ? ` (${b.note})` : ''}`;
    return html`<g class="wf-row"
      ><text class="wf-label" x="0" y="${y + 15}">${b.label}</text
      ><rect
        class="bar ${b.cls}"
        x="${x.toFixed(1)}"
        y="${y + 4}"
        width="${w.toFixed(1)}"
        height="${rowH - 8}"
        rx="2"
        ><title>${title}</title></rect
      ><text class="wf-value" x="${width}" y="${y + 15}" text-anchor="end">${value}</text></g
    >`;
  });
  const height = shown.length * rowH + 4;
  return html`<svg
    class="waterfall"
    viewBox="0 0 ${width} ${height}"
    width="${width}"
    height="${height}"
    role="img"
    aria-label="claim waterfall"
  >
    ${rows}
  </svg>`;
}
