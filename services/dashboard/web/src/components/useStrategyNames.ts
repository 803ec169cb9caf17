import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { strategyNamer } from '../lib/names';

/** The strategies' names (one cached query shared by every page that shows a strategy). */
export function useStrategyNames(): (id: number | null | undefined) => string {
  const strategies = useQuery({ queryKey: ['strategies'], queryFn: () => unwrap(api.GET('/trading/strategies')) });
  return strategyNamer(strategies.data?.strategies);
}
