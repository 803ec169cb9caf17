/** A one-line progress bar on stderr: share done, count, and rate. Redraws at most 10 times a second. */
export function progressBar(label: string, total: number, unit: string) {
  const started = Date.now();
  let lastDraw = 0;
  const draw = (done: number, count: number, final = false) => {
    const now = Date.now();
    if (!final && now - lastDraw < 100) return;
    lastDraw = now;
    const share = total > 0 ? Math.min(1, done / total) : 0;
    const width = 30;
    const filled = Math.round(share * width);
    const seconds = Math.max((now - started) / 1000, 0.001);
    const rate = Math.round(count / seconds).toLocaleString('en');
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${count.toLocaleString('en')} ${unit} ${rate} ${unit}/s `);
    if (final) process.stderr.write('\n');
  };
  return { update: (done: number, count: number) => draw(done, count), finish: (done: number, count: number) => draw(done, count, true) };
}
