import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { markingTriggerFlags } from '../src/garbage-collection.ts';

describe('when a full GC starts marking', () => {
  // v8.setFlagsFromString ignores a flag V8 does not know, without a word: a Node upgrade that
  // dropped one would turn the setting off unseen. This Node's V8 must list each flag we set.
  it("sets only flags this Node's V8 knows", () => {
    const known = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    for (const flag of markingTriggerFlags) {
      const name = flag.slice(0, flag.indexOf('='));
      expect(known, name).toContain(`  ${name} (`);
    }
  });

  it('accepts the values V8 takes for them (percent of the room under the limit, soft below hard)', () => {
    const values = Object.fromEntries(markingTriggerFlags.map((flag) => flag.slice(2).split('=') as [string, string]));
    const soft = Number(values['incremental-marking-soft-trigger']);
    const hard = Number(values['incremental-marking-hard-trigger']);
    expect(soft).toBeGreaterThan(0);
    expect(hard).toBeGreaterThan(soft);
    expect(hard).toBeLessThan(100);
    // Each is an int flag: V8 prints its type beside it.
    const known = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    expect(known).toMatch(/--incremental-marking-soft-trigger \([^)]*\)\s+type: int/);
  });
});
