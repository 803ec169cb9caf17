import { describe, expect, it } from 'vitest';
import { parseReferenceJson, ReferenceJsonError } from '../src/index.ts';

// The reference producer's record body: json.dumps of a pandas row whose far/near prices are
// missing before 300 s, so they come out as the bare literal NaN.
const producerBody =
  '{"data": [{"stock_id": 0, "date_id": 0, "seconds_in_bucket": 0, "far_price": NaN, "near_price": NaN, "wap": 1.0, "target": -Infinity, "row_id": "0_0_0"}], "commit": true}';

describe('JSON as the reference producer wrote it', () => {
  it('reads NaN, Infinity and -Infinity outside strings as null', () => {
    expect(parseReferenceJson(producerBody)).toEqual({
      data: [{ stock_id: 0, date_id: 0, seconds_in_bucket: 0, far_price: null, near_price: null, wap: 1, target: null, row_id: '0_0_0' }],
      commit: true,
    });
    expect(parseReferenceJson('[Infinity, -Infinity, NaN, 1]')).toEqual([null, null, null, 1]);
  });

  it('leaves the same words inside strings alone, escaped quotes included', () => {
    expect(parseReferenceJson('{"train_type": "NaN \\" Infinity", "x": NaN}')).toEqual({ train_type: 'NaN " Infinity', x: null });
  });

  it('still refuses what is not JSON, an empty body and prototype keys', () => {
    expect(() => parseReferenceJson('{"a": NaN,')).toThrow(ReferenceJsonError);
    expect(() => parseReferenceJson('{"a": nan}')).toThrow(ReferenceJsonError);
    expect(() => parseReferenceJson('  ')).toThrow('body is empty');
    expect(() => parseReferenceJson('{"__proto__": {"x": 1}}')).toThrow('forbidden key');
  });
});
