/** What the signed-in user may do in the UI; the API refuses the rest anyway. */

export type Scope = 'read' | 'ingest' | 'models' | 'risk' | 'trade' | 'admin';

export interface Me {
  kind: string;
  name: string;
  role?: 'viewer' | 'trader' | 'analyst' | 'admin';
  scopes: readonly Scope[];
  csrf_token?: string;
}

export const can = (me: Me | null | undefined, scope: Scope): boolean => !!me && (me.scopes.includes(scope) || me.scopes.includes('admin'));

/** The label in the header: the role for a person, "key" for an API key. */
export const roleLabel = (me: Me): string => me.role ?? me.kind;

/** A job's kind -> the scope that may cancel it (the API's rule: the kind's scope, or admin). */
export function cancelScopeOf(kind: string): Scope {
  if (kind === 'train' || kind === 'inference') return 'models';
  if (kind === 'risk-analysis') return 'risk';
  if (kind.startsWith('trading')) return 'trade';
  return 'admin';
}
