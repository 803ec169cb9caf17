import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { QueryState } from './QueryState';

/** Header of an actions column: named for screen readers, blank on screen. */
export const actionsHeader = <span className="visually-hidden">Actions</span>;

/**
 * A query's rows as a table, with QueryState's loading, error and empty states. Headers left out with
 * `condition && 'Name'` (false) are skipped; `row` renders the whole `<tr>` with its own key.
 */
export function QueryTable<T, R>({
  query,
  rows,
  empty,
  headers,
  testId,
  row,
}: {
  query: UseQueryResult<T>;
  rows: (data: T) => readonly R[];
  empty: ReactNode;
  headers: readonly (ReactNode | false)[];
  testId?: string;
  row: (item: R) => ReactNode;
}) {
  return (
    <QueryState query={query} isEmpty={(data) => rows(data).length === 0} empty={empty}>
      {(data) => (
        <table data-testid={testId}>
          <thead>
            <tr>
              {headers.map(
                (header, index) =>
                  header !== false && (
                    <th scope="col" key={index}>
                      {header}
                    </th>
                  ),
              )}
            </tr>
          </thead>
          <tbody>{rows(data).map(row)}</tbody>
        </table>
      )}
    </QueryState>
  );
}
