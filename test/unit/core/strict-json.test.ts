import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidJsonError, parseStrictJson } from '../../../src/core';

function problemsOf(text: string, prefix?: string) {
  try {
    parseStrictJson(text, prefix);
  } catch (error) {
    if (error instanceof InvalidJsonError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('parseStrictJson', () => {
  it('reads what JSON.parse reads when no key repeats (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // Prepare: fc.jsonValue never repeats a key within one object.
        const text = JSON.stringify(value, null, 1);

        // Act and Assess
        expect(parseStrictJson(text)).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('finds a key repeated anywhere, whatever the surrounding JSON (property)', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.string(),
        fc.jsonValue(),
        fc.jsonValue(),
        fc.nat(3),
        (context, key, first, second, depth) => {
          // Prepare: an object with `key` twice, nested `depth` levels under arrays and objects.
          let text = `{${JSON.stringify(key)}:${JSON.stringify(first)},"ctx":${JSON.stringify(context)},${JSON.stringify(key)}:${JSON.stringify(second)}}`;
          for (let i = 0; i < depth; i++) text = i % 2 === 0 ? `[1,${text}]` : `{"a\\"b":${text}}`;

          // Act
          const problems = problemsOf(text);

          // Assess
          expect(problems.length).toBeGreaterThanOrEqual(1);
          expect(problems.map((p) => p.message)).toContain(
            `duplicate key '${key}' (JSON.parse would keep only the last value)`,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('names the key and its path', () => {
    // Act
    const problems = problemsOf(
      '{"detail":{"auditDetails":[{"checkName":"A","n":1},{"checkName":"B","n":12,"n":1}]}}',
    );

    // Assess
    expect(problems).toEqual([
      {
        path: 'detail.auditDetails[1].n',
        message: "duplicate key 'n' (JSON.parse would keep only the last value)",
      },
    ]);
  });

  it('prefixes the path, reports every duplicate, and tells keys from string values', () => {
    // Act
    const problems = problemsOf('{"a":"b","b":"a","a":{"x":[{"y":1,"y":2}]},"b":0}', 'Sns.Message');

    // Assess
    expect(problems.map((p) => p.path)).toEqual(['Sns.Message.a', 'Sns.Message.a.x[0].y', 'Sns.Message.b']);
  });

  it('reads escaped keys as JSON does: "\\u0061" and "a" are the same key', () => {
    expect(problemsOf('{"a":1,"\\u0061":2}')).toEqual([
      { path: 'a', message: "duplicate key 'a' (JSON.parse would keep only the last value)" },
    ]);
  });

  it('keeps "__proto__" as a plain own key, like JSON.parse', () => {
    // Act
    const value = parseStrictJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;

    // Assess
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(['', '{', '{"a":1,}', "{'a':1}", '[1,2', 'nul'])('refuses text that is not JSON: %j', (text) => {
    // Act
    const problems = problemsOf(text, 'Message');

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('Message');
    expect(problems[0]?.message).toMatch(/^is not JSON \(/);
  });
});
