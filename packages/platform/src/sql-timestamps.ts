/**
 * SQL that reads a timestamptz as the ISO-8601 text the API returns (UTC, milliseconds, `Z`),
 * formatted by PostgreSQL so rows need no Date conversion in JavaScript.
 */
export const utcIsoText = (expression: string) => `to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A select-list item: the timestamptz `column` as ISO text, named `as` (the column's own name by default). */
export const utcIsoColumn = (column: string, as: string = column) => `${utcIsoText(column)} as ${as}`;
