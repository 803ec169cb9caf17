import { describe, expect, it } from 'vitest';
import { progressBar, type ProgressOutput } from '../src/progress-bar.ts';

function capture(isTTY: boolean): ProgressOutput & { text: string } {
  const output = { isTTY, text: '', write: (chunk: string) => (output.text += chunk) };
  return output;
}

/** A load of 10 MB over 12 seconds, updated every 10 ms, as `pnpm load` reports it. */
function simulateLoad(output: ProgressOutput) {
  let clock = 1_000_000;
  const bar = progressBar('load', 10_000_000, 'bytes', { output, now: () => clock });
  for (let tick = 1; tick <= 1_200; tick++) {
    clock += 10;
    bar.update(tick * 8_333, tick * 8_333);
  }
  bar.finish(10_000_000, 10_000_000);
}

describe('progress of pnpm load and pnpm replay', () => {
  it('written to a log file (not a terminal): plain lines every 5 s and one at the end, no \\r frames', () => {
    const log = capture(false);
    simulateLoad(log);
    expect(log.text).not.toContain('\r');
    expect(log.text.split('\n').filter(Boolean)).toEqual([
      'load: 42% 4,166,500 bytes 833,300 bytes/s',
      'load: 83% 8,333,000 bytes 833,300 bytes/s',
      'load: 100% 10,000,000 bytes 833,333 bytes/s (done)',
    ]);
  });

  it('on a terminal: one line redrawn in place at most 10 times a second, ended by a newline', () => {
    const terminal = capture(true);
    simulateLoad(terminal);
    const frames = terminal.text.split('\r').filter(Boolean);
    expect(frames.length).toBe(121);
    expect(frames.at(-1)).toBe(`load [${'#'.repeat(30)}] 100% 10,000,000 bytes 833,333 bytes/s \n`);
  });
});
