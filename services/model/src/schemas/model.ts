import { ErrorResponse } from '@closecross/platform';
import { int4Max, StockRow } from '@closecross/contracts';
import { Type, type Static } from '@sinclair/typebox';

export const errors = { 400: ErrorResponse, 404: ErrorResponse, 413: ErrorResponse, 422: ErrorResponse, 503: ErrorResponse };

export const ModelId = (options: object = {}) => Type.Integer({ minimum: 1, maximum: int4Max, ...options });
export const DayId = (options: object = {}) => Type.Integer({ minimum: 0, maximum: int4Max, ...options });

export const XgboostParams = Type.Record(Type.String({ maxLength: 100 }), Type.Union([Type.String({ maxLength: 200 }), Type.Number(), Type.Boolean()]), {
  maxProperties: 50,
  description: 'XGBoost parameters over the defaults',
});

// The reference answered these two routes 200 with its message, and its clients treat anything
// else as a failure; the job id is added for polling.
export const Started = Type.Object({ message: Type.String(), job_id: Type.String() });

export const TrainBody = Type.Object({
  model_name: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._-]+$' }),
  model_id: Type.Optional(ModelId({ description: 'base model: its trees are kept and new ones added' })),
  date_id: Type.Optional(DayId({ description: 'train on this day only' })),
  start_date_id: Type.Optional(DayId()),
  end_date_id: Type.Optional(DayId()),
  params: Type.Optional(XgboostParams),
  rounds: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  folds: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  early_stopping_rounds: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});

/** A `train` job's parameters: the body with its day window resolved (date_id gone, both ends set). */
export const TrainJobParams = Type.Composite([
  Type.Omit(TrainBody, ['date_id', 'start_date_id', 'end_date_id']),
  Type.Object({ start_date_id: DayId(), end_date_id: DayId() }),
]);
export type TrainRequest = Static<typeof TrainJobParams>;

export const InferenceBody = Type.Object({ model_id: ModelId(), pred_date_id: DayId() });
/** An `inference` job's parameters: the body as it came. */
export type InferenceRequest = Static<typeof InferenceBody>;

export const PredictBody = (maxRows: number) => Type.Object({ model_id: ModelId(), rows: Type.Array(StockRow, { maxItems: maxRows }) });
export const Predictions = Type.Object({ model_id: Type.Integer(), predictions: Type.Array(Type.Number()) });

export const ModelIdParams = Type.Object({ model_id: ModelId() });

/** One cross-validation fold of a training: rows on each side and the validation error beside predicting zero. */
export const FoldReport = Type.Object({
  fold: Type.Integer(),
  train_rows: Type.Integer(),
  validation_rows: Type.Integer(),
  validation_mae: Type.Number(),
  zero_mae: Type.Number(),
  rounds: Type.Integer(),
});
export type FoldMetrics = Static<typeof FoldReport>;

/** The days and labelled rows a model was trained on. */
export const DataWindow = Type.Object({ start_date_id: Type.Integer(), end_date_id: Type.Integer(), rows: Type.Integer() });

export const ModelReport = Type.Object({
  model_id: Type.Integer(),
  model_name: Type.String(),
  validation_mae: Type.Union([Type.Number(), Type.Null()]),
  zero_mae: Type.Union([Type.Number(), Type.Null()]),
  folds: Type.Array(FoldReport),
  rounds: Type.Union([Type.Integer(), Type.Null()]),
  base_model_id: Type.Union([Type.Integer(), Type.Null()]),
  data_window: Type.Union([DataWindow, Type.Null()]),
});
export type ModelReport = Static<typeof ModelReport>;

/** An `inference` job's parameters: the body as it came. */
export const InferenceJobParams = InferenceBody;

/** What a `train` job answers: the model it saved and where its artifact is (an artifact store key). */
export const TrainJobResult = Type.Object({
  model_id: Type.Integer(),
  model_name: Type.String(),
  artifact: Type.String({ description: 'the artifact store key, e.g. trained_models/<name>.json' }),
  rounds: Type.Integer({ description: 'boosting rounds the saved model holds' }),
});
/** A `train` job's metrics: the kept model's validation error beside predicting zero, and each fold's. */
export const TrainJobMetrics = Type.Object({ validation_mae: Type.Number(), zero_mae: Type.Number(), folds: Type.Array(FoldReport) });

/** What an `inference` job answers: the inference row and its predictions file (an artifact store key). */
export const InferenceJobResult = Type.Object({
  inference_id: Type.Integer(),
  predictions: Type.String({ description: 'the artifact store key of the predictions CSV' }),
  rows: Type.Integer({ description: 'rows predicted' }),
});
/** An `inference` job's metrics, when the day was labelled (null otherwise). */
export const InferenceJobMetrics = Type.Object({ mae: Type.Number(), labelled_rows: Type.Integer() });
