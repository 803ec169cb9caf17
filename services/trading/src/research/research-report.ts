/**
 * Exports a person reads: trials and windows as CSV, and self-contained HTML reports (inline CSS
 * and SVG charts, no script, no external asset) of an optimisation, a walk-forward and a backtest.
 */
import type { CompactReport } from '../backtests/backtest-results.ts';
import type { TrialFigures, TrialView } from '../schemas/research.ts';
import type { optimizationView, walkForwardView } from './research-views.ts';

type OptimizationView = ReturnType<typeof optimizationView>;
type WalkForwardView = ReturnType<typeof walkForwardView>;

const figureNames = [
  'sharpe',
  'sortino',
  'net_profit',
  'total_return',
  'cagr',
  'max_drawdown_pct',
  'calmar',
  'trades',
  'win_rate',
  'fees',
  'observations',
  'skewness',
  'kurtosis',
] as const;

const csvCell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
const csvLine = (cells: readonly unknown[]) => cells.map(csvCell).join(',');

/** One line per trial: its number, window, status and rank, each searched parameter, the objective and the figures. */
export function trialsCsv(trials: readonly TrialView[], parameterNames: readonly string[]): string {
  const header = ['trial', 'window', 'phase', 'status', 'rank', ...parameterNames, 'objective', 'feasible', ...figureNames, 'error'];
  const lines = trials.map((trial) =>
    csvLine([
      trial.trial,
      trial.window,
      trial.phase,
      trial.status,
      trial.rank,
      ...parameterNames.map((name) => trial.parameters[name]),
      trial.objective,
      trial.feasible,
      ...figureNames.map((name) => trial.figures?.[name]),
      trial.error,
    ]),
  );
  return [csvLine(header), ...lines].join('\n') + '\n';
}

/** One line per walk-forward window: its days, chosen parameters, in- and out-of-sample figures. */
export function windowsCsv(view: WalkForwardView): string {
  const header = [
    'window',
    'in_sample_start',
    'in_sample_end',
    'out_of_sample_start',
    'out_of_sample_end',
    'parameters',
    'in_sample_objective',
    'out_of_sample_objective',
    ...figureNames.map((name) => `in_sample_${name}`),
    ...figureNames.map((name) => `out_of_sample_${name}`),
    'error',
  ];
  const lines = view.windows.map((window) =>
    csvLine([
      window.window,
      window.in_sample.start,
      window.in_sample.end,
      window.out_of_sample.start,
      window.out_of_sample.end,
      window.parameters,
      window.in_sample_objective,
      window.out_of_sample_objective,
      ...figureNames.map((name) => window.in_sample_figures?.[name]),
      ...figureNames.map((name) => window.out_of_sample_figures?.[name]),
      window.error,
    ]),
  );
  return [csvLine(header), ...lines].join('\n') + '\n';
}

const escape = (value: unknown) =>
  String(value ?? '').replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
const number = (value: number | null | undefined, digits = 3) =>
  value === null || value === undefined || !Number.isFinite(value)
    ? '–'
    : Number.isInteger(value)
      ? String(value)
      : Math.abs(value) >= 1000
        ? value.toFixed(0)
        : value.toFixed(digits);

const width = 720;
const height = 260;
const pad = { left: 64, right: 16, top: 16, bottom: 32 };

function scale(values: readonly number[]): { min: number; max: number } {
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1 };
  if (min === max) [min, max] = [min - 1, max + 1];
  return { min, max };
}

/** A line chart of one or more series over the same x (an index: sessions), labelled at both ends. */
export function lineChartSvg(
  title: string,
  series: readonly { name: string; color: string; values: readonly (number | null)[] }[],
  labels: readonly string[],
): string {
  const all = series.flatMap((line) => line.values.filter((value): value is number => value !== null));
  const { min, max } = scale(all);
  const count = Math.max(2, ...series.map((line) => line.values.length));
  const x = (index: number) => pad.left + (index / (count - 1)) * (width - pad.left - pad.right);
  const y = (value: number) => pad.top + (1 - (value - min) / (max - min)) * (height - pad.top - pad.bottom);
  const paths = series.map((line) => {
    let d = '';
    line.values.forEach((value, index) => {
      if (value === null) return;
      d += `${d === '' || line.values[index - 1] === null ? 'M' : 'L'}${x(index).toFixed(1)},${y(value).toFixed(1)}`;
    });
    return `<path d="${d}" fill="none" stroke="${line.color}" stroke-width="1.5"><title>${escape(line.name)}</title></path>`;
  });
  const legend = series
    .map((line, index) => `<text x="${pad.left + 8 + index * 160}" y="${pad.top + 12}" fill="${line.color}" font-size="12">${escape(line.name)}</text>`)
    .join('');
  return `<figure><figcaption>${escape(title)}</figcaption><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escape(title)}">
<rect x="${pad.left}" y="${pad.top}" width="${width - pad.left - pad.right}" height="${height - pad.top - pad.bottom}" fill="#fafafa" stroke="#ddd"/>
<text x="${pad.left - 6}" y="${y(max) + 4}" text-anchor="end" font-size="11">${number(max, 2)}</text><text x="${pad.left - 6}" y="${y(min) + 4}" text-anchor="end" font-size="11">${number(min, 2)}</text>
<text x="${pad.left}" y="${height - 10}" font-size="11">${escape(labels[0] ?? '')}</text><text x="${width - pad.right}" y="${height - 10}" text-anchor="end" font-size="11">${escape(labels.at(-1) ?? '')}</text>
${paths.join('\n')}${legend}</svg></figure>`;
}

/** Points of objective against one parameter's value. */
export function scatterSvg(title: string, points: readonly { x: number; y: number }[]): string {
  const xs = scale(points.map((point) => point.x));
  const ys = scale(points.map((point) => point.y));
  const x = (value: number) => pad.left + ((value - xs.min) / (xs.max - xs.min)) * (width - pad.left - pad.right);
  const y = (value: number) => pad.top + (1 - (value - ys.min) / (ys.max - ys.min)) * (height - pad.top - pad.bottom);
  const dots = points.map((point) => `<circle cx="${x(point.x).toFixed(1)}" cy="${y(point.y).toFixed(1)}" r="3" fill="#1f77b4" fill-opacity="0.6"/>`).join('');
  return `<figure><figcaption>${escape(title)}</figcaption><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escape(title)}">
<rect x="${pad.left}" y="${pad.top}" width="${width - pad.left - pad.right}" height="${height - pad.top - pad.bottom}" fill="#fafafa" stroke="#ddd"/>
<text x="${pad.left - 6}" y="${y(ys.max) + 4}" text-anchor="end" font-size="11">${number(ys.max, 2)}</text><text x="${pad.left - 6}" y="${y(ys.min) + 4}" text-anchor="end" font-size="11">${number(ys.min, 2)}</text>
<text x="${pad.left}" y="${height - 10}" font-size="11">${number(xs.min, 2)}</text><text x="${width - pad.right}" y="${height - 10}" text-anchor="end" font-size="11">${number(xs.max, 2)}</text>${dots}</svg></figure>`;
}

/** A heat map of the best objective per cell (red low, green high; blank where no trial fell). */
export function heatmapSvg(title: string, map: { x: string; y: string; x_values: unknown[]; y_values: unknown[]; best: (number | null)[][] }): string {
  const values = map.best.flat().filter((value): value is number => value !== null);
  const { min, max } = scale(values);
  const cellWidth = Math.max(8, Math.floor((width - pad.left - pad.right) / Math.max(1, map.x_values.length)));
  const cellHeight = Math.max(8, Math.floor((height - pad.top - pad.bottom) / Math.max(1, map.y_values.length)));
  const svgHeight = pad.top + cellHeight * map.y_values.length + pad.bottom;
  const color = (value: number) => {
    const t = (value - min) / (max - min);
    return `hsl(${Math.round(t * 120)}, 70%, 50%)`;
  };
  const cells = map.best.flatMap((row, line) =>
    row.map((value, column) =>
      value === null
        ? ''
        : `<rect x="${pad.left + column * cellWidth}" y="${pad.top + (map.y_values.length - 1 - line) * cellHeight}" width="${cellWidth}" height="${cellHeight}" fill="${color(value)}"><title>${escape(map.x)}=${escape(map.x_values[column])}, ${escape(map.y)}=${escape(map.y_values[line])}: ${number(value)}</title></rect>`,
    ),
  );
  return `<figure><figcaption>${escape(title)}</figcaption><svg viewBox="0 0 ${width} ${svgHeight}" width="${width}" height="${svgHeight}" role="img" aria-label="${escape(title)}">
${cells.join('')}
<text x="${pad.left}" y="${svgHeight - 10}" font-size="11">${escape(map.x)} ${escape(map.x_values[0])} → ${escape(map.x_values.at(-1))}</text>
<text x="${pad.left - 6}" y="${pad.top + 10}" text-anchor="end" font-size="11">${escape(map.y)} ${escape(map.y_values.at(-1))}</text><text x="${pad.left - 6}" y="${svgHeight - pad.bottom}" text-anchor="end" font-size="11">${escape(map.y_values[0])}</text>
<text x="${width - pad.right}" y="${svgHeight - 10}" text-anchor="end" font-size="11">${number(min)} … ${number(max)}</text></svg></figure>`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}.warn{background:#fff3cd;border:1px solid #e0c060;padding:8px;margin:8px 0}figure{margin:12px 0}figcaption{font-weight:600}</style>
</head><body><h1>${escape(title)}</h1>
${body}
</body></html>
`;
}

function figuresTable(rows: readonly { name: string; figures: TrialFigures | null }[]): string {
  const head = `<tr><th class="l"></th>${figureNames.map((name) => `<th>${escape(name)}</th>`).join('')}</tr>`;
  const lines = rows.map(
    (row) =>
      `<tr><td class="l">${escape(row.name)}</td>${figureNames.map((name) => `<td>${number(row.figures?.[name] as number | null | undefined)}</td>`).join('')}</tr>`,
  );
  return `<table>${head}${lines.join('')}</table>`;
}

function trialsTable(trials: readonly TrialView[], parameterNames: readonly string[]): string {
  const head = `<tr><th>rank</th><th>trial</th>${parameterNames.map((name) => `<th>${escape(name)}</th>`).join('')}<th>objective</th><th>sharpe</th><th>net_profit</th><th>max_drawdown_pct</th><th>trades</th><th class="l">status</th></tr>`;
  const lines = trials.map(
    (trial) =>
      `<tr><td>${trial.rank ?? '–'}</td><td>${trial.trial}</td>${parameterNames.map((name) => `<td>${escape(trial.parameters[name])}</td>`).join('')}<td>${number(trial.objective)}</td><td>${number(trial.figures?.sharpe)}</td><td>${number(trial.figures?.net_profit, 2)}</td><td>${number(trial.figures?.max_drawdown_pct, 2)}</td><td>${trial.figures?.trades ?? '–'}</td><td class="l">${escape(trial.error ? `failed: ${trial.error}` : trial.status)}</td></tr>`,
  );
  return `<table>${head}${lines.join('')}</table>`;
}

export function optimizationHtml(view: OptimizationView, ranked: readonly TrialView[], parameterNames: readonly string[], strategy: string): string {
  const request = view.request as Record<string, unknown>;
  const overfitting = view.overfitting;
  const sensitivity = view.sensitivity.parameters
    .map((parameter) => {
      const numeric = parameter.points.filter((point) => typeof point.value === 'number').map((point) => ({ x: point.value as number, y: point.objective }));
      return numeric.length > 0 ? scatterSvg(`${request.objective} against ${parameter.name}`, numeric) : '';
    })
    .join('');
  const body = `<p>Strategy <b>${escape(strategy)}</b>; method ${escape(request.method)}, objective ${escape(request.objective)}, budget ${escape(request.budget)}; status ${escape(view.status)} (${view.trials.done} trials done, ${view.trials.failed} failed).</p>
<h2>Overfitting</h2>
<p>${overfitting.trials} trials with a Sharpe; best Sharpe ${number(overfitting.best_sharpe)}; expected best of as many trials of no skill ${number(overfitting.expected_max_sharpe)}; deflated Sharpe ratio ${number(overfitting.deflated_sharpe)} (Bailey &amp; López de Prado).</p>
${overfitting.warning ? `<p class="warn">${escape(overfitting.warning)}</p>` : ''}
<h2>Best trial</h2>${view.best ? figuresTable([{ name: `trial ${view.best.trial}: ${JSON.stringify(view.best.parameters)}`, figures: view.best.figures }]) : '<p>none yet</p>'}
<h2>Sensitivity</h2>${view.sensitivity.heatmap ? heatmapSvg(`best ${request.objective} by ${view.sensitivity.heatmap.x} and ${view.sensitivity.heatmap.y}`, view.sensitivity.heatmap) : ''}${sensitivity}
<h2>Trials, ranked</h2>${trialsTable(ranked, parameterNames)}`;
  return page(`Optimisation ${view.id}`, body);
}

export function walkForwardHtml(view: WalkForwardView, strategy: string): string {
  const curve = view.out_of_sample_equity;
  const windows = view.windows;
  const body = `<p>Strategy <b>${escape(strategy)}</b>; ${windows.length} windows; status ${escape(view.status)}.</p>
<p>Walk-forward efficiency (annualised out-of-sample return / in-sample): <b>${number(view.walk_forward_efficiency)}</b></p>
${lineChartSvg(
  'stitched out-of-sample equity',
  [{ name: 'out of sample', color: '#1f77b4', values: curve.map((point) => point.equity) }],
  curve.map((point) => point.date),
)}
${lineChartSvg(
  'objective per window',
  [
    { name: 'in sample (best)', color: '#ff7f0e', values: windows.map((window) => window.in_sample_objective) },
    { name: 'out of sample', color: '#1f77b4', values: windows.map((window) => window.out_of_sample_objective) },
  ],
  windows.map((window) => `window ${window.window}`),
)}
<h2>Figures</h2>${figuresTable([
    { name: 'in sample (mean of windows)', figures: view.in_sample },
    { name: 'out of sample (stitched)', figures: view.out_of_sample },
  ])}
<h2>Windows</h2><table><tr><th>window</th><th class="l">in sample</th><th class="l">out of sample</th><th class="l">parameters</th><th>IS objective</th><th>OOS objective</th><th class="l">error</th></tr>
${windows
  .map(
    (window) =>
      `<tr><td>${window.window}</td><td class="l">${window.in_sample.start} – ${window.in_sample.end}</td><td class="l">${window.out_of_sample.start} – ${window.out_of_sample.end}</td><td class="l">${escape(JSON.stringify(window.parameters))}</td><td>${number(window.in_sample_objective)}</td><td>${number(window.out_of_sample_objective)}</td><td class="l">${escape(window.error ?? '')}</td></tr>`,
  )
  .join('')}</table>`;
  return page(`Walk-forward ${view.id}`, body);
}

export function backtestHtml(id: string, report: CompactReport): string {
  const curve = report.equityCurve;
  const labels = curve.ms.map((ms) => new Date(ms).toISOString().slice(0, 10));
  const summary = Object.entries(report.summary);
  const tradeColumns = report.trades.columns;
  const body = `<p>Strategy <b>${escape(report.strategy)}</b> on ${escape(report.universe.join(', '))} (${escape(report.interval)}); parameters ${escape(JSON.stringify(report.params))}.</p>
${lineChartSvg('equity', [{ name: 'equity', color: '#1f77b4', values: curve.equity }], labels)}
${lineChartSvg('drawdown', [{ name: 'drawdown', color: '#d62728', values: curve.drawdown.map((value) => -value) }], labels)}
<h2>Summary</h2><table>${summary.map(([name, value]) => `<tr><th class="l">${escape(name)}</th><td>${escape(/Ms$/.test(name) && typeof value === 'number' ? new Date(value).toISOString() : typeof value === 'number' ? number(value, 4) : value)}</td></tr>`).join('')}</table>
<h2>Trades</h2><table><tr>${tradeColumns.map((name) => `<th>${escape(name)}</th>`).join('')}</tr>${report.trades.rows
    .slice(0, 2000)
    .map(
      (row) =>
        `<tr>${row.map((cell, index) => `<td>${escape(/Ms$/.test(tradeColumns[index] ?? '') && typeof cell === 'number' ? new Date(cell).toISOString().slice(0, 10) : typeof cell === 'number' ? number(cell, 4) : cell)}</td>`).join('')}</tr>`,
    )
    .join('')}</table>${report.trades.rows.length > 2000 ? `<p>… and ${report.trades.rows.length - 2000} more trades (trades.csv has them all)</p>` : ''}`;
  return page(`Backtest ${id}`, body);
}
