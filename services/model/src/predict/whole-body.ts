import type { Readable } from 'node:stream';
import { errorCodes } from 'fastify';

/** A request body's stream as Fastify hands it to a parser (a preParsing stream may report its encoded length). */
type BodyStream = Readable & { receivedEncodedLength?: number };

/** Bodies from this size are read into a spare buffer when one is free (see releaseBodyBuffer). */
const pooledFrom = 64 * 1024;
const spareBuffers: SharedArrayBuffer[] = [];
const maxSpareBuffers = 2;
/** Staging buffers (ordinary memory) a body's chunks are copied into first: free again as soon as the body is read. */
const spareStaging: Buffer[] = [];
/** Staged bytes go to the shared buffer this many at a time (a multiple of 8: each block starts aligned). */
const flushBlock = 256 * 1024;

/** A spare of at least `length` bytes and at most twice that, taken off `spares`; undefined when none fits. */
function takeSpare<Spare extends { byteLength: number }>(spares: Spare[], length: number): Spare | undefined {
  const index = spares.findIndex((spare) => spare.byteLength >= length && spare.byteLength <= 2 * length);
  return index >= 0 ? spares.splice(index, 1)[0] : undefined;
}
/** Keeps `spare` for a later body, the oldest of more than maxSpareBuffers dropped. */
function keepSpare<Spare>(spares: Spare[], spare: Spare): void {
  spares.push(spare);
  if (spares.length > maxSpareBuffers) spares.shift();
}

const stagingBuffer = (length: number): Buffer => takeSpare(spareStaging, length) ?? Buffer.allocUnsafeSlow(length);

/** A buffer of `length` bytes in shared memory: a spare one when it is large enough and not over twice the length. */
function sharedBuffer(length: number): Buffer {
  const spare = length >= pooledFrom ? takeSpare(spareBuffers, length) : undefined;
  return spare ? Buffer.from(spare, 0, length) : Buffer.from(new SharedArrayBuffer(length));
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
  keepSpare(spareBuffers, buffer);
}

/**
 * Reads a request body whole into one buffer of its content-length, copying each socket chunk in as
 * it arrives, with Fastify's own checks and errors (body limit: 413; a length other than the
 * content-length: 400). Fastify's `parseAs: 'buffer'` keeps every chunk until the end and then
 * concatenates them: a day's 4 MB body stayed alive twice over, chunks promoted to the old space,
 * and a mark-compact came every few requests. Here a chunk is garbage as soon as it is copied.
 * The buffer is in shared memory, so the predict threads read it where it is (none of them copies
 * it, and it never moves). V8 copies into shared memory with relaxed atomic stores, a word at a time
 * only where source and target are aligned alike, else byte by byte: a chunk lands wherever the
 * previous one ended (the first is short by the headers), so a day's chunks were copied byte by
 * byte, 2 ms of the event loop's time a day (0.15 ms into ordinary memory). So a large body's chunks
 * are copied into a staging buffer in ordinary memory, and from there into the shared one in aligned
 * blocks of 256 KB as they fill (0.4 ms a day, spread over the body's arrival). Without a
 * content-length (chunked) the chunks are gathered and joined, as Fastify does.
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
  const staging = body && body.length >= pooledFrom ? stagingBuffer(body.length) : undefined;
  /** Bytes of the staging buffer already copied into the body (a multiple of flushBlock until the end). */
  let flushed = 0;
  const flush = (upTo: number) => {
    if (upTo > flushed) body!.set(staging!.subarray(flushed, upTo), flushed);
    flushed = upTo;
  };
  const chunks: Buffer[] = [];
  let received = 0;

  const stop = () => {
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onEnd);
  };
  /** The staging buffer back to the spares, its bytes copied into the body (or the body refused). */
  const unstage = (complete: boolean) => {
    if (!staging) return;
    if (complete) flush(Math.min(received, body!.length));
    keepSpare(spareStaging, staging);
  };
  function onData(data: Buffer | string) {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    const at = received;
    received += chunk.length;
    if (received > limit || (payload.receivedEncodedLength ?? 0) > limit) {
      stop();
      unstage(false);
      return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    }
    if (!body) chunks.push(chunk);
    else if (received > body.length) {
      // More than the content-length: counted only, refused at the end.
    } else if (!staging) chunk.copy(body, at);
    else {
      chunk.copy(staging, at);
      const whole = received - (received % flushBlock);
      if (whole > flushed) flush(whole);
    }
  }
  function onEnd(error?: Error & { statusCode?: number }) {
    stop();
    unstage(error == null);
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
