/**
 * The raw side of the model bench, in a process of its own (as the service trains off its event
 * loop): reads the feature matrix and labels the bench wrote, then times XGBoost alone: the two
 * DMatrix and `rounds` rounds with validation each round, as the service's one-fold job trains.
 * Prints `{"ms":…,"rounds":…}`.
 */
import { readFileSync } from 'node:fs';
import { DMatrix, train } from '@closecross/xgboost';
import { featureCount } from '../src/features.ts';
import { defaultParams } from '../src/training/trainer.ts';

const [featuresFile, labelsFile, roundsText] = process.argv.slice(2);
const asFloats = (file: string) => {
  const bytes = readFileSync(file);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / Float32Array.BYTES_PER_ELEMENT);
};
const features = asFloats(featuresFile!);
const labels = asFloats(labelsFile!);
const rounds = Number(roundsText);
const rows = labels.length;
const half = Math.floor(rows / 2);
const started = performance.now();
const trainSet = new DMatrix(features.subarray(0, half * featureCount), half, featureCount, labels.subarray(0, half));
const validationSet = new DMatrix(features.subarray(half * featureCount), rows - half, featureCount, labels.subarray(half));
const result = train({ params: defaultParams, train: trainSet, validation: validationSet, rounds, earlyStoppingRounds: rounds });
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, rounds: result.rounds }));
