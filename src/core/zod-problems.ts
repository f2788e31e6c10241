import type { Problem } from './errors';
import type * as z from './zod';

/** Renders a zod path as `a.b[2].c`, the way operators read JSON paths. */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** The issues of a failed zod parse as problems with readable paths. */
export function toProblems(error: z.core.$ZodError, prefix = ''): Problem[] {
  return error.issues.map((issue) => {
    // Unrecognized keys are reported on the parent object: name the key itself.
    if (issue.code === 'unrecognized_keys') {
      return { path: formatPath([...issue.path, issue.keys.join(', ')], prefix), message: 'unknown key' };
    }
    // zod says "Invalid input: expected number, received undefined" for a missing member.
    if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
      return { path: formatPath(issue.path, prefix), message: `required (${issue.expected})` };
    }
    return { path: formatPath(issue.path, prefix), message: issue.message };
  });
}
