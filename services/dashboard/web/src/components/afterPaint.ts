/**
 * Records how long a chart took from its creation until it has drawn, as a performance measure
 * named `chart:<label>` that the bench reads. Both libraries draw in a callback queued at
 * creation (uPlot a microtask, lightweight-charts an animation frame), which runs before this
 * frame callback, queued after them; the browser's compositing of that frame is not counted.
 */
export function afterPaint(started: number, name: string, onDrawn?: (ms: number) => void): void {
  requestAnimationFrame(() => {
    const ms = performance.now() - started;
    performance.measure(name, { start: started, duration: ms });
    onDrawn?.(ms);
  });
}
