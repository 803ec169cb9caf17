import { describe, expect, it } from 'vitest';
import { JsonKeyBudget } from '../src/json-key-budget.ts';

/** Keys of a parsed JSON value, counted by walking it: what the scan must count without parsing. */
function keysOf(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + keysOf(item), 0);
  if (value !== null && typeof value === 'object') return Object.values(value).reduce((sum: number, item) => sum + 1 + keysOf(item), 0);
  return 0;
}

/** Feeds `text` to a budget of `maxKeys` in chunks cut at `cut`: refused or not, and whether it saw a surrogate's escape. */
function scan(text: string, maxKeys: number, cut: number): { refused: boolean; sawSurrogateEscape: boolean } {
  const budget = new JsonKeyBudget(maxKeys, 1_000_000);
  const bytes = Buffer.from(text);
  let refused = false;
  for (const chunk of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
    (budget as unknown as { _transform: (c: Buffer, e: string, done: (error?: Error | null) => void) => void })._transform(chunk, 'buffer', (error) => {
      if (error) refused = true;
    });
    if (refused) break;
  }
  return { refused, sawSurrogateEscape: budget.sawSurrogateEscape };
}

const bodies = [
  '{"a":1,"b":{"c":[1,2,{"d":null}]},"e":"x:y"}',
  '{"quote \\" inside":"a \\"quoted\\" : colon","back\\\\slash":"\\\\","k":{"l":"}"}}',
  '{"emoji":"\\ud83d\\ude00","plain":"\\u0041","D":"\\uD800","after":1}',
  '[{"x":1},{"y":"[{:}]"},[],{}]',
  JSON.stringify({ rows: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `n:${i}"}`, v: i / 3 })) }),
];

describe('the key budget scan', () => {
  it('counts exactly the keys a parse finds, wherever the body is cut, escapes and colons in strings included', () => {
    for (const body of bodies) {
      const keys = keysOf(JSON.parse(body));
      const surrogate = /\\u[dD][89abAB]/.test(body);
      for (let cut = 0; cut <= Buffer.byteLength(body); cut++) {
        // At its key count the body passes; one key fewer allowed, it is refused.
        expect(scan(body, keys, cut), `${body} cut at ${cut}`).toEqual({ refused: false, sawSurrogateEscape: surrogate });
        if (keys > 0) expect(scan(body, keys - 1, cut).refused, `${body} cut at ${cut}, budget ${keys - 1}`).toBe(true);
      }
    }
  });
});
