import type { Readable } from 'node:stream';
import { errorCodes } from 'fastify';

/** A request body's stream as Fastify hands it to a parser (a preParsing stream may report its encoded length). */
type BodyStream = Readable & { receivedEncodedLength?: number };

/** Bodies from this size are read into a spare buffer when one is free (see releaseBodyBuffer). */
const pooledFrom = 64 * 1024;
const spareBuffers: SharedArrayBuffer[] = [];
const maxSpareBuffers = 2;

/** A buffer of `length` bytes in shared memory: a spare one when it is large enough and not over twice the length. */
function sharedBuffer(length: number): Buffer {
  if (length >= pooledFrom) {
    const index = spareBuffers.findIndex((spare) => spare.byteLength >= length && spare.byteLength <= 2 * length);
    if (index >= 0) return Buffer.from(spareBuffers.splice(index, 1)[0]!, 0, length);
  }
  return Buffer.from(new SharedArrayBuffer(length));
}

/**
 * Gives a body readWholeBody read back for the next large body, once nothing reads it any more
 * (the predict threads have answered, a parse has copied it). A day's body was 4 MB of new memory
 * outside the heap a request, and that growth set off the event loop's full GCs (their marking
 * paused a day request 4-16 ms). The buffer is not read after this: the next body overwrites it.
 */
export function releaseBodyBuffer(body: Buffer): void {
  const buffer = body.buffer;
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < pooledFrom || spareBuffers.includes(buffer)) return;
  spareBuffers.push(buffer);
  if (spareBuffers.length > maxSpareBuffers) spareBuffers.shift();
}

/**
 * Reads a request body whole into one buffer of its content-length, copying each socket chunk in as
 * it arrives, with Fastify's own checks and errors (body limit: 413; a length other than the
 * content-length: 400). Fastify's `parseAs: 'buffer'` keeps every chunk until the end and then
 * concatenates them: a day's 4 MB body stayed alive twice over, chunks promoted to the old space,
 * and a mark-compact came every few requests. Here a chunk is garbage as soon as it is copied.
 * The buffer is in shared memory, so the predict threads read it where it is (none of them copies
 * it, and it never moves). Without a content-length (chunked) the chunks are gathered and joined,
 * as Fastify does.
 */
export function readWholeBody(
  request: { headers: Record<string, string | string[] | undefined> },
  payload: BodyStream,
  limit: number,
  done: (error: Error | null, body?: Buffer) => void,
): void {
  const contentLength = Number(request.headers['content-length']);
  if (contentLength > limit) return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
  const sized = Number.isSafeInteger(contentLength) && contentLength >= 0;
  const body = sized ? sharedBuffer(contentLength) : undefined;
  const chunks: Buffer[] = [];
  let received = 0;

  const stop = () => {
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onEnd);
  };
  function onData(data: Buffer | string) {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    const at = received;
    received += chunk.length;
    if (received > limit || (payload.receivedEncodedLength ?? 0) > limit) {
      stop();
      return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    }
    if (!body) chunks.push(chunk);
    else if (received <= body.length) chunk.copy(body, at);
    // More than the content-length: counted only, refused at the end.
  }
  function onEnd(error?: Error & { statusCode?: number }) {
    stop();
    if (error != null) {
      if (!(typeof error.statusCode === 'number' && error.statusCode >= 400)) error.statusCode = 400;
      return done(error);
    }
    if (sized && (payload.receivedEncodedLength || received) !== contentLength) return done(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
    done(null, body ?? Buffer.concat(chunks, received));
  }
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onEnd);
  payload.resume();
}
