/**
 * The subset of EventBridge event patterns the product uses: every key of the pattern must be
 * present; a leaf is a list of allowed values, `{ prefix }`, `{ exists }` or `{ "anything-but" }`.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 */
export type EventPattern = { readonly [key: string]: readonly unknown[] | EventPattern };

function matchesValue(rule: unknown, value: unknown): boolean {
  if (rule !== null && typeof rule === 'object') {
    const r = rule as Record<string, unknown>;
    if ('prefix' in r) return typeof value === 'string' && value.startsWith(String(r.prefix));
    if ('exists' in r) return (value !== undefined) === Boolean(r.exists);
    if ('anything-but' in r) {
      const excluded = Array.isArray(r['anything-but']) ? r['anything-but'] : [r['anything-but']];
      return value !== undefined && !excluded.includes(value);
    }
    return false;
  }
  return Array.isArray(value) ? value.includes(rule) : value === rule;
}

export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  const target = (event ?? {}) as Record<string, unknown>;
  return Object.entries(pattern).every(([key, rule]) => {
    const value = target[key];
    if (Array.isArray(rule)) {
      if (rule.some((r) => r !== null && typeof r === 'object' && 'exists' in (r as object))) {
        return rule.some((r) => matchesValue(r, value));
      }
      return value !== undefined && rule.some((r) => matchesValue(r, value));
    }
    return typeof value === 'object' && value !== null && matchesPattern(rule as EventPattern, value);
  });
}
