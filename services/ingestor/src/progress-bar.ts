/** Where progress goes: stderr, or a stand-in in tests. */
export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressBarOptions {
  output?: ProgressOutput;
  /** Milliseconds now; only for the rate and the redraw pacing. */
  now?: () => number;
  /** Not a terminal (a log file, a pipe, CI): one plain line this often, never `\r` frames. */
  lineEveryMs?: number;
}

/**
 * Progress on stderr: share done, count, and rate. On a terminal, one line redrawn in place at
 * most 10 times a second; otherwise (output to a file or a pipe) a plain line every few seconds
 * and one at the end, so a log holds a readable trace instead of thousands of `\r` frames.
 */
export function progressBar(label: string, total: number, unit: string, options: ProgressBarOptions = {}) {
  const output = options.output ?? process.stderr;
  const now = options.now ?? Date.now;
  const interactive = output.isTTY === true;
  const pause = interactive ? 100 : (options.lineEveryMs ?? 5_000);
  const started = now();
  let lastDraw = interactive ? 0 : started;
  const draw = (done: number, count: number, final = false) => {
    const at = now();
    if (!final && at - lastDraw < pause) return;
    lastDraw = at;
    const share = total > 0 ? Math.min(1, done / total) : 0;
    const percent = `${(share * 100).toFixed(0).padStart(3)}%`;
    const rate = Math.round(count / Math.max((at - started) / 1000, 0.001)).toLocaleString('en');
    const figures = `${count.toLocaleString('en')} ${unit} ${rate} ${unit}/s`;
    if (interactive) {
      const width = 30;
      const filled = Math.round(share * width);
      output.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent} ${figures} `);
      if (final) output.write('\n');
    } else {
      output.write(`${label}: ${percent.trim()} ${figures}${final ? ' (done)' : ''}\n`);
    }
  };
  return { update: (done: number, count: number) => draw(done, count), finish: (done: number, count: number) => draw(done, count, true) };
}
