import { createContext, useContext } from 'react';
import type { Me } from './lib/permissions';

/** The signed-in user, for pages deciding which controls to show. */
export const SessionContext = createContext<Me | null>(null);
export const useMe = (): Me => {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useMe outside a signed-in page');
  return me;
};
