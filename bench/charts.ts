/** Small, dependency-free SVG charts for BENCHMARKS.md, written by the benchmark itself. */

export interface Series {
  label: string;
  color: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';
const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Colors per system, the same in every chart. */
export const SYSTEM_COLORS: Record<string, string> = { quire: '#0090ff', hocuspocus: '#f76b15', 'y-websocket': '#46a758', 'hocuspocus-database': '#8e4ec6' };

/** A line chart with a logarithmic y axis (latencies span orders of magnitude). */
export function lineChart(options: { title: string; xLabel: string; yLabel: string; series: Series[]; xTicks: number[] }): string {
  const width = 760;
  const height = 380;
  const margin = { left: 64, right: 250, top: 40, bottom: 52 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const values = options.series.flatMap((s) => s.points.map(([, y]) => y)).filter((y) => Number.isFinite(y) && y > 0);
  const low = 10 ** Math.floor(Math.log10(Math.min(...values, 1)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)));
  const xs = options.xTicks;
  const xAt = (x: number) => margin.left + (xs.indexOf(x) / Math.max(1, xs.length - 1)) * plotW;
  const yAt = (y: number) => margin.top + plotH - ((Math.log10(Math.max(y, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(`<text x="${margin.left}" y="22" font-size="15" font-weight="600">${escapeXml(options.title)}</text>`);
  for (let decade = low; decade <= high; decade *= 10) {
    for (const step of [1, 2, 5]) {
      const y = decade * step;
      if (y > high) continue;
      const py = yAt(y);
      parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${py}" y2="${py}" stroke="${step === 1 ? '#ddd' : '#f1f1f1'}"/>`);
      parts.push(`<text x="${margin.left - 6}" y="${py + 4}" text-anchor="end" fill="#555">${y}</text>`);
    }
  }
  for (const x of xs) {
    parts.push(`<line x1="${xAt(x)}" x2="${xAt(x)}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#f1f1f1"/>`);
    parts.push(`<text x="${xAt(x)}" y="${margin.top + plotH + 18}" text-anchor="middle" fill="#555">${x}</text>`);
  }
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle" fill="#333">${escapeXml(options.xLabel)}</text>`);
  parts.push(
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">${escapeXml(options.yLabel)} (log scale)</text>`,
  );
  options.series.forEach((series, index) => {
    const points = series.points.filter(([x, y]) => xs.includes(x) && Number.isFinite(y));
    const path = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${xAt(x).toFixed(1)},${yAt(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${series.color}" stroke-width="2.5"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const [x, y] of points) parts.push(`<circle cx="${xAt(x).toFixed(1)}" cy="${yAt(y).toFixed(1)}" r="3.5" fill="${series.color}"/>`);
    const ly = margin.top + 10 + index * 20;
    const lx = margin.left + plotW + 16;
    parts.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${series.color}" stroke-width="2.5"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    parts.push(`<text x="${lx + 28}" y="${ly + 4}" fill="#333">${escapeXml(series.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export interface BarGroup {
  title: string;
  unit: string;
  bars: Array<{ label: string; color: string; value: number }>;
}

/** Side-by-side bar panels, one per group, each with its own scale. */
export function barPanels(options: { title: string; groups: BarGroup[] }): string {
  const panelW = 380;
  const width = panelW * options.groups.length + 20;
  const height = 360;
  const top = 70;
  const plotH = 220;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(`<text x="20" y="22" font-size="15" font-weight="600">${escapeXml(options.title)}</text>`);
  options.groups.forEach((group, g) => {
    const x0 = 20 + g * panelW;
    const max = Math.max(...group.bars.map((bar) => (Number.isFinite(bar.value) ? bar.value : 0)), 1e-9);
    parts.push(`<text x="${x0}" y="${top - 24}" font-size="13" font-weight="600">${escapeXml(group.title)}</text>`);
    const barW = (panelW - 60) / group.bars.length;
    group.bars.forEach((bar, b) => {
      const value = Number.isFinite(bar.value) ? bar.value : 0;
      const h = (value / max) * plotH;
      const bx = x0 + b * barW + 6;
      parts.push(`<rect x="${bx}" y="${top + plotH - h}" width="${barW - 12}" height="${h}" fill="${bar.color}" rx="2"/>`);
      parts.push(
        `<text x="${bx + (barW - 12) / 2}" y="${top + plotH - h - 6}" text-anchor="middle" fill="#333">${escapeXml(formatValue(value, group.unit))}</text>`,
      );
      parts.push(`<text x="${bx + (barW - 12) / 2}" y="${top + plotH + 18}" text-anchor="middle" fill="#555">${escapeXml(bar.label)}</text>`);
    });
    parts.push(`<line x1="${x0}" x2="${x0 + panelW - 40}" y1="${top + plotH}" y2="${top + plotH}" stroke="#999"/>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function formatValue(value: number, unit: string): string {
  if (value >= 100) return `${Math.round(value)} ${unit}`;
  return `${value.toFixed(value >= 10 ? 1 : 2)} ${unit}`;
}
