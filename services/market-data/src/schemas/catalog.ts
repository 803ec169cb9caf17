import { Type, type Static } from '@sinclair/typebox';
import { DateString, Id, int4Max, NullableInteger, NullableString, PageQuery } from './common.ts';

export const DateMapping = Type.Object({
  date_id: Type.Integer(),
  date: Type.Union([DateString, Type.Null()], { description: 'null for a day created by ingest and not dated yet' }),
});
export const DateMappingPost = Type.Object({ date_id: Id, date: DateString });
export const DateMappingQuery = Type.Object({ date_id: Type.Optional(Id), date: Type.Optional(DateString), ...PageQuery });
export const DateIdParams = Type.Object({ date_id: Id });

export const Model = Type.Object({
  model_id: Type.Integer(),
  model_name: Type.String(),
  model_artifact_path: NullableString(),
  date_id: NullableInteger(),
});
export type Model = Static<typeof Model>;
export const ModelPost = Type.Object({
  model_name: Type.String({ minLength: 1, maxLength: 200 }),
  model_artifact_path: Type.Optional(NullableString({ maxLength: 1024 })),
  date_id: Type.Optional(NullableInteger({ minimum: 0, maximum: int4Max })),
});
export const ModelCreated = Type.Object({ message: Type.String(), model_id: Type.Integer() });
export const ModelQuery = Type.Object({
  model_id: Type.Optional(Id),
  model_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  ...PageQuery,
});
export const ModelIdParams = Type.Object({ model_id: Id });

export const ModelInference = Type.Object({
  id: Type.Integer(),
  model_id: Type.Integer(),
  date_id: NullableInteger(),
  predictions: NullableString({ description: 'object-store key of the predictions CSV' }),
});
export const ModelInferencePost = Type.Object({
  model_id: Id,
  date_id: Type.Optional(NullableInteger({ minimum: 0, maximum: int4Max })),
  predictions: Type.Optional(NullableString({ maxLength: 2048 })),
});
export const ModelInferenceQuery = Type.Object({
  model_id: Type.Optional(Id),
  date_id: Type.Optional(Id),
  ...PageQuery,
});
export const InferenceIdParams = Type.Object({ id: Id });
