/** A tiny SVG line-chart writer: enough for the bench charts, no dependency. */

export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: [number, number][];
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Logarithmic axes (the values must be > 0). */
  xLog?: boolean;
  yLog?: boolean;
  series: Series[];
}

const WIDTH = 440;
const HEIGHT = 300;
const MARGIN = { left: 70, right: 16, top: 34, bottom: 46 };

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function compact(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return `${+n.toPrecision(3)}`;
}

/** Tick values: powers of ten (and 2×, 5×) on a log axis, five even steps on a linear one. */
function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
      }
    }
    return out;
  }
  const step = niceStep((max - min) / 5);
  return Array.from({ length: Math.floor((max - min) / step) + 1 }, (_, i) => min + i * step);
}

/** 1, 2 or 5 × a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  return ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
}

function scale(min: number, max: number, log: boolean, from: number, to: number) {
  const f = log ? Math.log10 : (v: number) => v;
  const a = f(min);
  const b = f(max);
  return (v: number) => from + ((f(v) - a) / (b - a || 1)) * (to - from);
}

function panel(p: Panel, dx: number): string {
  const all = p.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMin = p.yLog ? 10 ** Math.floor(Math.log10(Math.min(...ys))) : 0;
  const yTop = Math.max(...ys);
  const yMax = p.yLog
    ? 10 ** Math.ceil(Math.log10(yTop))
    : Math.ceil(yTop / niceStep(yTop / 5)) * niceStep(yTop / 5);
  const x = scale(xMin, xMax, Boolean(p.xLog), MARGIN.left, WIDTH - MARGIN.right);
  const y = scale(yMin, yMax, Boolean(p.yLog), HEIGHT - MARGIN.bottom, MARGIN.top);
  const out: string[] = [`<g transform="translate(${dx},0)">`];
  out.push(
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-weight="bold">${escapeXml(p.title)}</text>`,
  );
  for (const t of ticks(yMin, yMax, Boolean(p.yLog))) {
    out.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${y(t) + 4}" text-anchor="end">${compact(t)}</text>`,
    );
  }
  for (const t of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="#eee"/>`,
      `<text x="${x(t)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${compact(t)}</text>`,
    );
  }
  out.push(
    `<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escapeXml(p.xLabel)}</text>`,
    `<text transform="translate(16,${HEIGHT / 2}) rotate(-90)" text-anchor="middle">${escapeXml(p.yLabel)}</text>`,
  );
  for (const s of p.series) {
    const pts = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    const d = pts.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="5 4"' : '';
    out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const [a, b] of pts) out.push(`<circle cx="${x(a)}" cy="${y(b)}" r="3" fill="${s.color}"/>`);
  }
  out.push('</g>');
  return out.join('\n');
}

/** Panels side by side with one shared legend below them. */
export function chart(panels: Panel[], caption: string): string {
  const legend = panels[0]?.series ?? [];
  const legendRows = Math.ceil(legend.length / 3);
  const height = HEIGHT + 16 + legendRows * 18 + 20;
  const width = WIDTH * panels.length;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(panels.map((p) => p.title).join('; '))}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...panels.map((p, i) => panel(p, i * WIDTH)),
  ];
  legend.forEach((s, i) => {
    const lx = 70 + (i % 3) * 260;
    const ly = HEIGHT + 12 + Math.floor(i / 3) * 18;
    const dash = s.dashed ? ' stroke-dasharray="5 4"' : '';
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 30}" y="${ly + 4}">${escapeXml(s.label)}</text>`,
    );
  });
  parts.push(
    `<text x="${width / 2}" y="${height - 6}" text-anchor="middle" fill="#555">${escapeXml(caption)}</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
