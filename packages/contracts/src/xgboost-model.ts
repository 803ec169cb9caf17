/**
 * XGBoost's JSON model (what `Booster.save_model("model.json")` writes and the model service's
 * training stores as a model's artifact), typed as far as XGBoost's model schema
 * (doc/model.schema in the XGBoost repository) says what each top-level part holds. The parts
 * whose shape depends on the booster or objective (the trees, a linear model's weights, an
 * objective's own parameters) are typed as JSON values nested to a bound, so a schema that says
 * what they hold also admits whatever fields a later XGBoost adds.
 */
import { Type, type TSchema } from '@sinclair/typebox';

/** A JSON value nested at most `depth` arrays or objects deep (bounded: a recursive schema makes the generated client's types refer to themselves). */
function jsonValueUpTo(depth: number): TSchema {
  const scalars = [Type.String(), Type.Number(), Type.Boolean(), Type.Null()];
  if (depth <= 0) return Type.Union(scalars);
  const inner = jsonValueUpTo(depth - 1);
  return Type.Union([...scalars, Type.Array(inner), Type.Record(Type.String(), inner)]);
}

/** XGBoost writes its numeric model parameters as strings ("0.5", "1"). */
const NumberText = (description: string) => Type.String({ description });

/** The `learner` of XGBoost's JSON model: its booster, objective, model parameters, features and attributes. */
export const XGBoostLearner = Type.Object(
  {
    attributes: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: 'attributes set on the booster (e.g. best_iteration, best_score), as strings' }),
    ),
    feature_names: Type.Optional(Type.Array(Type.String(), { description: 'the features, in column order (absent when the training data named none)' })),
    feature_types: Type.Optional(Type.Array(Type.String(), { description: "each feature's type: q (numeric), int, i (indicator), float, c (categorical)" })),
    gradient_booster: Type.Object(
      { name: Type.String({ description: 'gbtree, gblinear or dart' }) },
      {
        additionalProperties: jsonValueUpTo(5),
        description: "the booster: its name, and its model (gbtree: the trees' arrays and tree_info; gblinear: the weights; dart: a gbtree and weight_drop)",
      },
    ),
    learner_model_param: Type.Optional(
      Type.Object(
        {
          base_score: Type.Optional(NumberText('the initial prediction (a number as text; a list "[...]" for several targets)')),
          num_class: Type.Optional(NumberText('classes (0 for regression)')),
          num_feature: Type.Optional(NumberText('features the model was trained on')),
          num_target: Type.Optional(NumberText('targets (outputs) of the model')),
          boost_from_average: Type.Optional(NumberText('1 when base_score was estimated from the labels')),
        },
        { additionalProperties: Type.String(), description: "the learner's model parameters, as XGBoost writes them (numbers as text)" },
      ),
    ),
    objective: Type.Object(
      { name: Type.String({ description: 'the objective, e.g. reg:squarederror, binary:logistic, multi:softprob' }) },
      { additionalProperties: jsonValueUpTo(2), description: 'the objective: its name and its own parameters (e.g. reg_loss_param), as XGBoost writes them' },
    ),
  },
  { additionalProperties: jsonValueUpTo(5), description: "XGBoost's learner: the booster, objective, model parameters and features" },
);
