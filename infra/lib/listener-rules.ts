import type { ServiceRoutes } from '@closecross/platform';

/** An ALB listener rule condition holds at most five path patterns. */
export const maxPatternsPerRule = 5;

export interface ListenerRuleSpec {
  service: string;
  /** Lower is evaluated first; rules keep the route table's order, whose first match wins. */
  priority: number;
  pathPatterns: string[];
}

/**
 * The listener rules the route table needs: each service's patterns cut into rules of at most
 * five, numbered in table order so the ALB picks the owner the table's first match picks.
 */
export function listenerRulesFor(table: readonly ServiceRoutes[], firstPriority = 10, step = 10): ListenerRuleSpec[] {
  const rules: ListenerRuleSpec[] = [];
  for (const entry of table) {
    for (let start = 0; start < entry.pathPatterns.length; start += maxPatternsPerRule) {
      rules.push({
        service: entry.service,
        priority: firstPriority + rules.length * step,
        pathPatterns: entry.pathPatterns.slice(start, start + maxPatternsPerRule),
      });
    }
  }
  return rules;
}
