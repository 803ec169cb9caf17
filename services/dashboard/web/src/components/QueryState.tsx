import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

/** Loading, error and empty states for every query: nothing on a page hangs silently. */
export function QueryState<T>({
  query,
  isEmpty,
  empty,
  children,
}: {
  query: UseQueryResult<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending)
    return (
      <p role="status" className="muted">
        Loading…
      </p>
    );
  if (query.isError) return <ErrorNote error={query.error} />;
  if (isEmpty?.(query.data)) return <p className="muted empty">{empty ?? 'Nothing yet.'}</p>;
  return <>{children(query.data)}</>;
}

export function ErrorNote({ error }: { error: unknown }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p role="alert" className="error">
      {message}
    </p>
  );
}

export function Waiting({ what }: { what: string }) {
  return <p className="waiting">Waits for {what}: this part appears when its API lands.</p>;
}
