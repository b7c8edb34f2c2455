import type { TimelinePoint } from '../run/phase.js';

/** One line of a chart. */
export interface Series {
  name: string;
  color: string;
  /** Dashed lines for the comparison system. */
  dashed?: boolean;
  points: { t: number; value: number }[];
}

/** A vertical marker, e.g. where a knee step starts. */
export interface Marker {
  t: number;
  label: string;
}

const WIDTH = 860;
const HEIGHT = 360;
const PAD = { left: 64, right: 150, top: 36, bottom: 44 };

/**
 * A latency-over-time chart as a standalone SVG: seconds on x, milliseconds on a log
 * scale on y (p50, p99 and max differ by orders of magnitude), one line per series.
 */
export function latencyChartSvg(
  title: string,
  series: readonly Series[],
  markers: readonly Marker[] = [],
): string {
  const all = series.flatMap((s) => s.points);
  const tMax = Math.max(1, ...all.map((p) => p.t), ...markers.map((m) => m.t));
  const vMax = Math.max(0.1, ...all.map((p) => p.value));
  const lo = Math.log10(0.05);
  const hi = Math.log10(Math.max(1, vMax) * 1.5);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (t: number): number => PAD.left + (t / tMax) * plotW;
  const y = (v: number): number =>
    PAD.top + plotH - ((Math.log10(Math.max(v, 0.05)) - lo) / (hi - lo)) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${PAD.left}" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  for (const tick of [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]) {
    if (Math.log10(tick) < lo || Math.log10(tick) > hi) continue;
    out.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#e4e4e4"/>`,
      `<text x="${PAD.left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${tick}</text>`,
    );
  }
  const step = niceStep(tMax);
  for (let t = 0; t <= tMax; t += step) {
    out.push(`<text x="${x(t).toFixed(1)}" y="${PAD.top + plotH + 16}" text-anchor="middle">${t}</text>`);
  }
  out.push(
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle">seconds</text>`,
    `<text transform="translate(16 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">claim latency, ms (log)</text>`,
    `<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  );
  for (const m of markers) {
    out.push(
      `<line x1="${x(m.t).toFixed(1)}" x2="${x(m.t).toFixed(1)}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#bbb" stroke-dasharray="3 3"/>`,
      `<text x="${(x(m.t) + 3).toFixed(1)}" y="${PAD.top + 12}" fill="#666">${escape(m.label)}</text>`,
    );
  }
  series.forEach((s, i) => {
    if (s.points.length > 0) {
      const d = s.points
        .map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.value).toFixed(1)}`)
        .join(' ');
      out.push(
        `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="6 3"' : ''}/>`,
      );
    }
    const ly = PAD.top + 14 + i * 16;
    out.push(
      `<line x1="${PAD.left + plotW + 12}" x2="${PAD.left + plotW + 34}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 3"' : ''}/>`,
      `<text x="${PAD.left + plotW + 40}" y="${ly}">${escape(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

/** The p50 / p99 / max lines of one system's timeline. */
export function timelineSeries(system: string, points: readonly TimelinePoint[], dashed = false): Series[] {
  const mk = (name: string, color: string, pick: (p: TimelinePoint) => number): Series => ({
    name: `${system} ${name}`,
    color,
    dashed,
    points: points.filter((p) => p.count > 0).map((p) => ({ t: p.t, value: pick(p) })),
  });
  const palette = dashed ? ['#9ecae1', '#fc9272', '#bdbdbd'] : ['#3182bd', '#de2d26', '#636363'];
  return [
    mk('p50', palette[0]!, (p) => p.p50),
    mk('p99', palette[1]!, (p) => p.p99),
    mk('max', palette[2]!, (p) => p.max),
  ];
}

function niceStep(span: number): number {
  for (const step of [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600]) if (span / step <= 12) return step;
  return 1200;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
