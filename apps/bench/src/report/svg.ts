// Small dependency-free SVG charts: horizontal bars and lines, readable in any browser.

const PALETTE = ['#2f6fb0', '#d1603d', '#3c9a5f', '#8a5bb5', '#c49a1c', '#4a4a4a', '#1b9aaa'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(Math.abs(value) >= 10 ? 1 : 2);
}

/** Horizontal bars, one per label; `marks` draws a thin reference line per bar (e.g. a floor). */
export function barChart(options: {
  title: string;
  unit: string;
  bars: Array<{ label: string; value: number; mark?: number }>;
}): string {
  const { title, unit, bars } = options;
  const width = 760;
  const left = 210;
  const row = 26;
  const top = 40;
  const height = top + bars.length * row + 30;
  const max = Math.max(1e-9, ...bars.map((b) => Math.max(b.value, b.mark ?? 0))) * 1.15;
  const scale = (v: number) => (Math.max(0, v) / max) * (width - left - 90);
  const rows = bars
    .map((bar, i) => {
      const y = top + i * row;
      const mark =
        bar.mark === undefined
          ? ''
          : `<line x1="${left + scale(bar.mark)}" x2="${left + scale(bar.mark)}" y1="${y}" y2="${y + row - 6}" stroke="#000" stroke-dasharray="3,2"/>`;
      return (
        `<text x="${left - 8}" y="${y + 14}" text-anchor="end">${esc(bar.label)}</text>` +
        `<rect x="${left}" y="${y}" width="${scale(bar.value)}" height="${row - 6}" fill="${PALETTE[i % PALETTE.length]}"/>` +
        `<text x="${left + scale(bar.value) + 6}" y="${y + 14}">${fmt(bar.value)} ${esc(unit)}</text>` +
        mark
      );
    })
    .join('\n');
  return svg(width, height, title, rows);
}

/** Lines over a numeric x axis, one per series. */
export function lineChart(options: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Array<{ name: string; points: Array<[number, number]> }>;
}): string {
  const { title, xLabel, yLabel, series } = options;
  const width = 760;
  const height = 380;
  const box = { left: 70, right: 180, top: 40, bottom: 50 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1e-9)];
  const y1 = Math.max(1e-9, ...ys) * 1.1;
  const px = (x: number) => box.left + ((x - x0) / (x1 - x0 || 1)) * (width - box.left - box.right);
  const py = (y: number) => height - box.bottom - (y / y1) * (height - box.top - box.bottom);
  const axes =
    `<line x1="${box.left}" y1="${height - box.bottom}" x2="${width - box.right}" y2="${height - box.bottom}" stroke="#888"/>` +
    `<line x1="${box.left}" y1="${box.top}" x2="${box.left}" y2="${height - box.bottom}" stroke="#888"/>` +
    [0, 0.25, 0.5, 0.75, 1]
      .map(
        (f) =>
          `<text x="${box.left - 6}" y="${py(f * y1) + 4}" text-anchor="end">${fmt(f * y1)}</text>`,
      )
      .join('') +
    [...new Set(xs)]
      .map(
        (x) =>
          `<text x="${px(x)}" y="${height - box.bottom + 16}" text-anchor="middle">${fmt(x)}</text>`,
      )
      .join('') +
    `<text x="${(box.left + width - box.right) / 2}" y="${height - 12}" text-anchor="middle">${esc(xLabel)}</text>` +
    `<text x="16" y="${(box.top + height - box.bottom) / 2}" transform="rotate(-90 16 ${(box.top + height - box.bottom) / 2})" text-anchor="middle">${esc(yLabel)}</text>`;
  const lines = series
    .map((s, i) => {
      const color = PALETTE[i % PALETTE.length];
      const points = s.points.filter((p) => Number.isFinite(p[1]));
      const path = points
        .map((p, j) => `${j ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`)
        .join(' ');
      const dots = points
        .map((p) => `<circle cx="${px(p[0])}" cy="${py(p[1])}" r="3" fill="${color}"/>`)
        .join('');
      const legend = `<rect x="${width - box.right + 12}" y="${box.top + i * 20}" width="12" height="12" fill="${color}"/><text x="${width - box.right + 30}" y="${box.top + i * 20 + 11}">${esc(s.name)}</text>`;
      return `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>${dots}${legend}`;
    })
    .join('\n');
  return svg(width, height, title, axes + lines);
}

function svg(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="22" font-size="15" font-weight="600">${esc(title)}</text>
${body}
</svg>
`;
}
