/** The Postgres types (information_schema's udt_name) our tables use. */
export type PgType = 'text' | 'int4' | 'int8' | 'float8' | 'numeric' | 'bool' | 'date' | 'timestamptz' | 'jsonb' | 'uuid' | 'bytea';

/** A column's type, with ` null` when it is nullable: what the schema test compares with the migrated database. */
export type ColumnSpec = PgType | `${PgType} null`;

/**
 * The columns of a row type, each with its Postgres type: the compiler insists on every field of
 * `Row` and no other, and the schema test checks the names, types and nullability against the
 * migrated database, so a migration that changes a column fails until the row type follows.
 */
export const columnsOf = <Row>(columns: { [K in keyof Row]-?: ColumnSpec }): { readonly [K in keyof Row]-?: ColumnSpec } => columns;
