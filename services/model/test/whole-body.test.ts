import { PassThrough } from 'node:stream';
import { errorCodes } from 'fastify';
import { describe, expect, it } from 'vitest';
import { readWholeBody, releaseBodyBuffer } from '../src/predict/whole-body.ts';

/** Reads `chunks` through readWholeBody as a request of these headers would be read: the body or the error. */
function read(
  chunks: Array<Buffer | Error>,
  headers: Record<string, string>,
  limit = 1_000,
): Promise<{ body?: Buffer; error?: Error & { statusCode?: number } }> {
  const payload = new PassThrough();
  const answer = new Promise<{ body?: Buffer; error?: Error }>((resolve) =>
    readWholeBody({ headers }, payload, limit, (error, body) => resolve(error ? { error } : { body: body! })),
  );
  void (async () => {
    for (const chunk of chunks) {
      if (chunk instanceof Error) return void payload.destroy(chunk);
      payload.write(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    payload.end();
  })();
  return answer;
}

const pieces = ['{"model_id":1,', '"rows":[{"open":', '1.5}]}'].map((text) => Buffer.from(text));
const whole = Buffer.concat(pieces);

describe("a /predict body read into one buffer of its content-length, with Fastify's checks", () => {
  it("reads the chunks into one buffer in shared memory (not a view of Node's pool), with or without a content-length", async () => {
    const sized = await read(pieces, { 'content-length': String(whole.length) });
    expect(sized.body).toEqual(whole);
    expect(sized.body!.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(sized.body!.buffer.byteLength).toBe(whole.length);
    expect(sized.body!.byteOffset).toBe(0);
    expect((await read(pieces, {})).body).toEqual(whole);
    expect((await read([], { 'content-length': '0' })).body).toEqual(Buffer.alloc(0));
  });

  it('refuses a body over the limit as Fastify does (413), by its content-length at once or by its bytes without one', async () => {
    const stated = await read(pieces, { 'content-length': '1001' });
    const counted = await read([whole, Buffer.alloc(1_000)], {});
    for (const { error } of [stated, counted]) {
      expect(error).toBeInstanceOf(errorCodes.FST_ERR_CTP_BODY_TOO_LARGE);
      expect([error!.statusCode, error!.message]).toEqual([413, 'Request body is too large']);
    }
  });

  it('refuses a body of another length than its content-length as Fastify does (400)', async () => {
    for (const length of [whole.length - 1, whole.length + 1]) {
      const { error } = await read(pieces, { 'content-length': String(length) });
      expect(error).toBeInstanceOf(errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH);
      expect(error!.statusCode).toBe(400);
    }
  });

  it("answers a stream's error as a 400 unless it carries a 4xx or 5xx of its own", async () => {
    expect((await read([pieces[0]!, new Error('aborted')], { 'content-length': String(whole.length) })).error).toMatchObject({
      message: 'aborted',
      statusCode: 400,
    });
    const own = Object.assign(new Error('too many keys'), { statusCode: 422 });
    expect((await read([own], {})).error).toMatchObject({ statusCode: 422 });
  });

  it('reads a large body into the buffer of one released before it (no larger than twice its length), every byte its own', async () => {
    const large = (fill: number, length: number) => Buffer.alloc(length, fill);
    const first = (await read([large(0x31, 100_000)], { 'content-length': '100000' }, 1e6)).body!;
    releaseBodyBuffer(first);
    const second = (await read([large(0x32, 60_000), large(0x33, 10_000)], { 'content-length': '70000' }, 1e6)).body!;
    expect(second.buffer).toBe(first.buffer);
    expect(second.length).toBe(70_000);
    expect(second.equals(Buffer.concat([large(0x32, 60_000), large(0x33, 10_000)]))).toBe(true);
    // Not released: the next body gets a buffer of its own; nor is one over twice its length taken.
    const third = (await read([large(0x34, 70_000)], { 'content-length': '70000' }, 1e6)).body!;
    expect(third.buffer).not.toBe(first.buffer);
    releaseBodyBuffer(third);
    const small = (await read([large(0x35, 30_000)], { 'content-length': '30000' }, 1e6)).body!;
    expect(small.buffer).not.toBe(third.buffer);
    expect((await read([large(0x36, 70_000)], { 'content-length': '70000' }, 1e6)).body!.buffer).toBe(third.buffer);
  });

  it('reads a large body arriving in chunks of any size, at any offset, byte for byte (staged, then copied into shared memory)', async () => {
    // About a day's body: a first chunk short by the headers, then socket-sized reads and odd ones.
    const length = 1_500_003;
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = (i * 131 + (i >> 9)) & 0xff;
    const sizes = [65_536 - 317, 65_536, 65_536, 1, 4_093, 65_536, 262_144, 7, 300_001];
    const chunks: Buffer[] = [];
    for (let at = 0, index = 0; at < length; index++) {
      const size = Math.min(sizes[index % sizes.length]!, length - at);
      // Each chunk a view at an odd offset of a buffer of its own, as Node hands them over.
      const holder = Buffer.alloc(size + 3);
      bytes.copy(holder, 3, at, at + size);
      chunks.push(holder.subarray(3));
      at += size;
    }
    for (let round = 0; round < 2; round++) {
      const { body } = await read(chunks, { 'content-length': String(length) }, 2e6);
      expect(body!.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(body!.equals(bytes)).toBe(true);
      releaseBodyBuffer(body!);
    }
    // A body refused half way leaves nothing behind: the next one reads whole and right.
    expect((await read([...chunks.slice(0, 5), new Error('aborted')], { 'content-length': String(length) }, 2e6)).error).toMatchObject({ statusCode: 400 });
    expect((await read(chunks, { 'content-length': String(length) }, 2e6)).body!.equals(bytes)).toBe(true);
  });
});
