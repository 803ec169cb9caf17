/**
 * Records how long a chart took from creation to the frame after it painted (both libraries draw
 * on an animation frame), as a performance measure named `chart:<label>` that the bench reads.
 */
export function afterPaint(started: number, name: string, onDrawn?: (ms: number) => void): void {
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      const ms = performance.now() - started;
      performance.measure(name, { start: started, duration: ms });
      onDrawn?.(ms);
    }),
  );
}
