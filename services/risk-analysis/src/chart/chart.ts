/** The reference's chart, drawn here as SVG: per-signal VaR 95 and 99 and their averages. */
export interface ChartInput {
  var95: number[];
  var99: number[];
  averageVar95: number | null;
  averageVar99: number | null;
  caption: string;
}

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function renderChartSvg(input: ChartInput): string {
  const width = 960;
  const height = 480;
  const margin = { top: 56, right: 170, bottom: 70, left: 80 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const values = [...input.var95, ...input.var99, input.averageVar95 ?? 0, input.averageVar99 ?? 0];
  let low = Math.min(...values);
  let high = Math.max(...values, 0);
  if (low === high) low -= 0.01;
  const pad = (high - low) * 0.08;
  low -= pad;
  high += pad;
  const count = Math.max(input.var95.length, 1);
  const x = (i: number) => margin.left + (count === 1 ? plotWidth / 2 : (i / (count - 1)) * plotWidth);
  const y = (value: number) => margin.top + ((high - value) / (high - low)) * plotHeight;
  const line = (series: number[]) => series.map((value, i) => `${x(i).toFixed(1)},${y(value).toFixed(1)}`).join(' ');
  const labelEvery = Math.ceil(count / 20);
  const xLabels = input.var95
    .map((_, i) => i)
    // Every labelEvery-th signal and the last one, without crowding the last.
    .filter((i) => (i % labelEvery === 0 && count - 1 - i >= labelEvery / 2) || i === count - 1)
    .map(
      (i) =>
        `<text x="${x(i).toFixed(1)}" y="${height - margin.bottom + 16}" transform="rotate(45 ${x(i).toFixed(1)} ${height - margin.bottom + 16})" font-size="11">Signal ${i}</text>`,
    )
    .join('');
  const ticks = Array.from({ length: 6 }, (_, i) => low + ((high - low) * i) / 5)
    .map(
      (value) =>
        `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="#e5e7eb"/><text x="${margin.left - 8}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end" font-size="11">${(value * 100).toFixed(2)}%</text>`,
    )
    .join('');
  const average = (value: number | null, color: string) =>
    value === null
      ? ''
      : `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="${color}" stroke-dasharray="6 4" stroke-width="1.5"/>`;
  const legend = [
    ['var95', '#2563eb', ''],
    ['var99', '#dc2626', ''],
    ['average var95', '#2563eb', '6 4'],
    ['average var99', '#dc2626', '6 4'],
  ]
    .map(([label, color, dash], i) => {
      const ly = margin.top + 10 + i * 22;
      const lx = width - margin.right + 16;
      return `<line x1="${lx}" x2="${lx + 28}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''}/><text x="${lx + 36}" y="${ly + 4}" font-size="12">${label}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" role="img" aria-label="Risk Analysis Chart">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${width / 2}" y="28" text-anchor="middle" font-size="18" font-weight="600">Risk Analysis Chart</text>
<text x="${width / 2}" y="46" text-anchor="middle" font-size="12" fill="#555">${escapeXml(input.caption)}</text>
${ticks}
<polyline fill="none" stroke="#2563eb" stroke-width="2" points="${line(input.var95)}"/>
<polyline fill="none" stroke="#dc2626" stroke-width="2" points="${line(input.var99)}"/>
${average(input.averageVar95, '#2563eb')}${average(input.averageVar99, '#dc2626')}
${xLabels}
<text x="20" y="${margin.top + plotHeight / 2}" transform="rotate(-90 20 ${margin.top + plotHeight / 2})" text-anchor="middle" font-size="12">daily return</text>
${legend}
</svg>`;
}

export function renderChartPage(svg: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Risk Analysis Chart</title></head><body style="margin:24px">${svg}</body></html>`;
}
