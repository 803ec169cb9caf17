import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { predictionsCsvToJson } from '../src/artifacts/predictions-json.ts';

const convert = (chunks: string[]) =>
  text(predictionsCsvToJson(Readable.from(chunks.map((chunk) => Buffer.from(chunk))), '{"inference_id":1,"predictions":', '}'));

describe('predictions CSV to JSON', () => {
  const csv = 'row_id,stock_id,seconds_in_bucket,prediction,target\n11_0_0,0,0,-0.4125,1.5\n11_0_1,1,0,2e-7,\n11_10_0,0,10,NaN,-3\n';

  it('gives one object per line, empty cells as null, row_id as text, NaN as null', async () => {
    expect(JSON.parse(await convert([csv]))).toEqual({
      inference_id: 1,
      predictions: [
        { row_id: '11_0_0', stock_id: 0, seconds_in_bucket: 0, prediction: -0.4125, target: 1.5 },
        { row_id: '11_0_1', stock_id: 1, seconds_in_bucket: 0, prediction: 2e-7, target: null },
        { row_id: '11_10_0', stock_id: 0, seconds_in_bucket: 10, prediction: null, target: -3 },
      ],
    });
  });

  it('gives the same JSON however the file is cut into chunks, with CRLF lines and no final newline', async () => {
    const whole = await convert([csv]);
    for (const at of [1, 5, 40, 57, 58, 80, csv.length - 1]) expect(await convert([csv.slice(0, at), csv.slice(at)])).toBe(whole);
    expect(await convert([csv.replaceAll('\n', '\r\n').slice(0, -2)])).toBe(whole);
  });

  it('reads quoted cells as the plain ones (a comma inside quotes kept in its cell), CRLF and LF lines mixed', async () => {
    const quoted =
      '"row_id","stock_id","seconds_in_bucket","prediction","target"\r\n"11_0_0","0","0","-0.4125","1.5"\n"11_0_1",1,0,"2e-7",""\n11_10_0,0,10,NaN,"a,b"\n';
    expect(JSON.parse(await convert([quoted.slice(0, 30), quoted.slice(30)]))).toEqual({
      inference_id: 1,
      predictions: [
        { row_id: '11_0_0', stock_id: 0, seconds_in_bucket: 0, prediction: -0.4125, target: 1.5 },
        { row_id: '11_0_1', stock_id: 1, seconds_in_bucket: 0, prediction: 2e-7, target: null },
        { row_id: '11_10_0', stock_id: 0, seconds_in_bucket: 10, prediction: null, target: 'a,b' },
      ],
    });
  });

  it('fails the JSON stream when the CSV stream fails', async () => {
    const failing = new Readable({ read() {} });
    const json = text(predictionsCsvToJson(failing, '{"predictions":', '}'));
    failing.push('row_id,stock_id\n');
    failing.destroy(new Error('the store connection dropped'));
    await expect(json).rejects.toThrow('the store connection dropped');
  });

  it('gives an empty array for an empty file or a header alone', async () => {
    expect(JSON.parse(await convert([]))).toEqual({ inference_id: 1, predictions: [] });
    expect(JSON.parse(await convert(['row_id,stock_id,seconds_in_bucket,prediction\n']))).toEqual({ inference_id: 1, predictions: [] });
  });
});
