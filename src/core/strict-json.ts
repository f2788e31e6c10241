import { InvalidJsonError, type Problem } from './errors';
import { formatPath } from './zod-problems';

/** Where the scanner is: inside an object (with the keys seen so far) or an array. */
type Frame =
  | { kind: 'object'; path: PropertyKey[]; keys: Set<string>; key: string | undefined; expectKey: boolean }
  | { kind: 'array'; path: PropertyKey[]; index: number };

/** The path of the value that starts at the current position. */
function valuePath(top: Frame | undefined): PropertyKey[] {
  if (top === undefined) return [];
  return top.kind === 'array' ? [...top.path, top.index] : [...top.path, top.key ?? ''];
}

/** Index just past the string literal whose opening quote is at `start` (valid JSON assumed). */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}

/**
 * Every key repeated within one object of `text`, which must be valid JSON. A single pass over the
 * structural characters; string literals are skipped whole, and keys are decoded as JSON decodes
 * them, so that `"a"` and `"\u0061"` are the same key.
 */
function duplicateKeys(text: string, prefix: string): Problem[] {
  const problems: Problem[] = [];
  const stack: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const top = stack.at(-1);
    if (c === '"') {
      const end = endOfString(text, i);
      if (top?.kind === 'object' && top.expectKey) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) {
          problems.push({
            path: formatPath([...top.path, key], prefix),
            message: `duplicate key '${key}' (JSON.parse would keep only the last value)`,
          });
        }
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = end;
      continue;
    }
    if (c === '{')
      stack.push({ kind: 'object', path: valuePath(top), keys: new Set(), key: undefined, expectKey: true });
    else if (c === '[') stack.push({ kind: 'array', path: valuePath(top), index: 0 });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',' && top?.kind === 'object') top.expectKey = true;
    else if (c === ',' && top?.kind === 'array') top.index += 1;
    i += 1;
  }
  return problems;
}

/**
 * JSON.parse that refuses a key repeated within one object: JSON.parse keeps the last value
 * silently, so a notification could show one count to a reviewer and another to the planner.
 * Throws InvalidJsonError naming each repeated key by path (after `prefix`), or the syntax error.
 */
export function parseStrictJson(text: string, prefix = ''): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidJsonError([{ path: prefix, message: `is not JSON (${(error as Error).message})` }], {
      cause: error,
    });
  }
  const problems = duplicateKeys(text, prefix);
  if (problems.length > 0) throw new InvalidJsonError(problems);
  return value;
}
