/** Trading accounts: the broker each trades through, its fees and the paper broker's settings. */
import { Type, type Static } from '@sinclair/typebox';

const Settings = {
  name: Type.String({ minLength: 1, maxLength: 120 }),
  broker: Type.Union([Type.Literal('paper'), Type.Literal('alpaca')]),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  fee_per_share: Type.Number({ minimum: 0 }),
  fee_bps: Type.Number({ minimum: 0, maximum: 1000 }),
  fee_minimum: Type.Number({ minimum: 0 }),
  slippage_bps: Type.Number({ minimum: 0, maximum: 1000 }),
  volume_participation: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'largest share of a bar’s volume one order may take' }),
  seed: Type.Integer({ minimum: 0, maximum: 2 ** 52 }),
};
export const Account = Type.Object({ id: Type.String(), ...Settings });
export type Account = Static<typeof Account>;
export const AccountList = Type.Object({ accounts: Type.Array(Account) });
export const AccountIdParams = Type.Object({ id: Type.String() });
export const AccountPost = Type.Object(
  { id: Type.String({ pattern: '^[a-z0-9_-]{1,64}$' }), ...Type.Partial(Type.Object(Settings)).properties, name: Settings.name },
  { additionalProperties: false },
);
export const AccountPatch = Type.Partial(Type.Object(Settings, { additionalProperties: false }));
