import { XGBoostLearner } from '@closecross/contracts';
import { Type } from '@sinclair/typebox';
import { ErrorResponse } from './common.ts';

export const PredictionRow = Type.Object({
  row_id: Type.String({ description: '"{date_id}_{seconds_in_bucket}_{stock_id}"' }),
  stock_id: Type.Integer(),
  seconds_in_bucket: Type.Integer(),
  prediction: Type.Union([Type.Number(), Type.Null()]),
  target: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'present when the day was labelled' })),
});
export const PredictionsJson = Type.Object({
  inference_id: Type.Integer(),
  model_id: Type.Integer(),
  date_id: Type.Union([Type.Integer(), Type.Null()]),
  predictions: Type.Array(PredictionRow),
});
export const PredictionsCsv = Type.String({
  description: 'row_id,stock_id,seconds_in_bucket,prediction[,target]: one line per row of the day, in (seconds_in_bucket, stock_id) order',
});
export const PredictionsQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')], { description: 'csv or json; wins over Accept' })),
});
export const ModelArtifact = Type.Object(
  {
    // Typed for the document and the client only: the route streams the stored file as it is (no serialiser), so its bytes stay the file's.
    learner: XGBoostLearner,
    version: Type.Array(Type.Integer(), { description: 'the XGBoost version that saved it' }),
  },
  { additionalProperties: true, description: "XGBoost's JSON model format" },
);

export const downloadErrors = { 400: ErrorResponse, 404: ErrorResponse, 406: ErrorResponse, 503: ErrorResponse };
