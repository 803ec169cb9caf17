/**
 * `POST /predict`'s answer as its serialiser writes it (fast-json-stringify: a number as `'' + n`,
 * an infinity as null); undefined when a prediction is NaN, which that serialiser refuses.
 */
export function predictionsJson(modelId: number, predictions: Float32Array): Uint8Array | undefined {
  const parts = new Array<string>(predictions.length);
  for (let i = 0; i < predictions.length; i++) {
    const value = predictions[i]!;
    if (Number.isNaN(value)) return undefined;
    parts[i] = Number.isFinite(value) ? `${value}` : 'null';
  }
  return new TextEncoder().encode(`{"model_id":${modelId},"predictions":[${parts.join(',')}]}`);
}

/**
 * One answer from the answers of a body's parts, each `{"model_id":…,"predictions":[…]}` for its
 * rows (in the body's order): their predictions joined into one array. Undefined when a part has
 * none (a NaN: the route's serialiser decides).
 */
export function joinedPredictionsJson(modelId: number, parts: Array<Uint8Array | undefined>): Buffer | undefined {
  if (parts.some((part) => part === undefined)) return undefined;
  const whole = parts as Uint8Array[];
  if (whole.length === 1) return Buffer.from(whole[0]!.buffer, whole[0]!.byteOffset, whole[0]!.byteLength);
  const opening = `{"model_id":${modelId},"predictions":[`.length;
  const closing = ']}'.length;
  const pieces: Uint8Array[] = [];
  for (const part of whole) {
    const values = part.subarray(opening, part.length - closing);
    if (values.length === 0) continue;
    if (pieces.length > 0) pieces.push(comma);
    pieces.push(values);
  }
  return Buffer.concat([whole[0]!.subarray(0, opening), ...pieces, whole[0]!.subarray(whole[0]!.length - closing)]);
}
const comma = new Uint8Array([0x2c]);
