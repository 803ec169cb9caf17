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
