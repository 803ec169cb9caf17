/** What the signed-in user may do in the UI; the API refuses the rest anyway. */
import type { ResponseOf } from '@closecross/client';

/** Who is signed in, as GET /auth/me answers. */
export type Me = ResponseOf<'/auth/me'>;
export type Scope = Me['scopes'][number];

export const can = (me: Pick<Me, 'scopes'> | null | undefined, scope: Scope): boolean => !!me && (me.scopes.includes(scope) || me.scopes.includes('admin'));

/** The label in the header: the role for a person, "key" for an API key. */
export const roleLabel = (me: Pick<Me, 'role' | 'kind'>): string => me.role ?? me.kind;

/** A job's kind -> the scope that may cancel it (the API's rule: the kind's scope, or admin). */
export function cancelScopeOf(kind: string): Scope {
  if (kind === 'train' || kind === 'inference') return 'models';
  if (kind === 'risk-analysis') return 'risk';
  if (kind.startsWith('trading')) return 'trade';
  return 'admin';
}
