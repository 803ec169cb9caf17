import { QueryClient } from '@tanstack/react-query';

/** Refused and missing things are not retried (the answer will not change); outages are, twice. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (failures, error) => failures < 2 && !((error as { status?: number }).status! >= 400 && (error as { status?: number }).status! < 500),
      refetchOnWindowFocus: false,
      staleTime: 5_000,
    },
  },
});
