import { AwsJsonError } from './aws-json-server';

/**
 * The subset of DynamoDB expressions the product writes, evaluated as DynamoDB does
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html):
 * conditions with `attribute_exists`, `attribute_not_exists`, `=`, `<>`, `<`, `<=`, `>`, `>=`,
 * AND, OR, NOT and parentheses; update expressions with SET (a value) and REMOVE; key conditions
 * `<partition key> = :v`. Top-level attributes only. Anything else is a ValidationException that
 * says so, never a silent success.
 */

export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

export interface ExpressionContext {
  readonly names: Record<string, unknown>;
  readonly values: Record<string, unknown>;
}

type Token = { kind: 'name' | 'value' | 'word' | 'op' | 'punct'; text: string };

const TOKEN = /\s*(#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*|<>|<=|>=|[=<>]|[(),])/y;

function tokenize(expression: string, what: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let index = 0;
  while (index < expression.length) {
    if (/^\s*$/.test(expression.slice(index))) break;
    TOKEN.lastIndex = index;
    const match = TOKEN.exec(expression);
    if (!match?.[1]) throw invalid(what, `unsupported syntax at '${expression.slice(index).trim()}'`);
    const text = match[1];
    const kind: Token['kind'] = text.startsWith('#')
      ? 'name'
      : text.startsWith(':')
        ? 'value'
        : /^[A-Za-z_]/.test(text)
          ? 'word'
          : /^[(),]$/.test(text)
            ? 'punct'
            : 'op';
    tokens.push({ kind, text });
    index = TOKEN.lastIndex;
  }
  return tokens;
}

function invalid(what: string, detail: string): AwsJsonError {
  return new AwsJsonError('ValidationException', `Invalid ${what}: ${detail}`);
}

function resolveName(token: Token, context: ExpressionContext, what: string): string {
  if (token.kind === 'word') return token.text;
  const resolved = Object.hasOwn(context.names, token.text) ? context.names[token.text] : undefined;
  if (typeof resolved !== 'string') {
    throw invalid(
      what,
      `An expression attribute name used in the document path is not defined; attribute name: ${token.text}`,
    );
  }
  return resolved;
}

function resolveValue(token: Token, context: ExpressionContext, what: string): AttributeValue {
  const value = Object.hasOwn(context.values, token.text) ? context.values[token.text] : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(
      what,
      `An expression attribute value used in expression is not defined; attribute value: ${token.text}`,
    );
  }
  return value as AttributeValue;
}

/** -1, 0, 1, or undefined when the two values cannot be compared (other types): the comparison is false. */
function compare(a: AttributeValue | undefined, b: AttributeValue | undefined): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (typeof a.N === 'string' && typeof b.N === 'string') return Math.sign(Number(a.N) - Number(b.N));
  if (typeof a.S === 'string' && typeof b.S === 'string') return a.S < b.S ? -1 : a.S > b.S ? 1 : 0;
  if (typeof a.BOOL === 'boolean' && typeof b.BOOL === 'boolean') return a.BOOL === b.BOOL ? 0 : undefined;
  return JSON.stringify(a) === JSON.stringify(b) ? 0 : undefined;
}

class Parser {
  private position = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly context: ExpressionContext,
    private readonly what: string,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }
  private next(): Token {
    const token = this.tokens[this.position++];
    if (!token) throw invalid(this.what, 'unexpected end of expression');
    return token;
  }
  private expect(text: string): void {
    const token = this.next();
    if (token.text !== text) throw invalid(this.what, `expected '${text}', got '${token.text}'`);
  }
  private isWord(text: string): boolean {
    const token = this.peek();
    return token?.kind === 'word' && token.text.toUpperCase() === text;
  }
  done(): void {
    const token = this.peek();
    if (token) throw invalid(this.what, `unexpected '${token.text}'`);
  }

  /** A condition over `item` (undefined: no item). */
  condition(): (item: Item | undefined) => boolean {
    let left = this.conjunction();
    while (this.isWord('OR')) {
      this.next();
      const a = left;
      const b = this.conjunction();
      left = (item) => a(item) || b(item);
    }
    return left;
  }
  private conjunction(): (item: Item | undefined) => boolean {
    let left = this.negation();
    while (this.isWord('AND')) {
      this.next();
      const a = left;
      const b = this.negation();
      left = (item) => a(item) && b(item);
    }
    return left;
  }
  private negation(): (item: Item | undefined) => boolean {
    if (this.isWord('NOT')) {
      this.next();
      const inner = this.negation();
      return (item) => !inner(item);
    }
    return this.primary();
  }
  private primary(): (item: Item | undefined) => boolean {
    const token = this.peek();
    if (token?.text === '(') {
      this.next();
      const inner = this.condition();
      this.expect(')');
      return inner;
    }
    if (token?.kind === 'word' && ['attribute_exists', 'attribute_not_exists'].includes(token.text)) {
      this.next();
      this.expect('(');
      const name = this.attribute();
      this.expect(')');
      const exists = token.text === 'attribute_exists';
      return (item) => (item !== undefined && Object.hasOwn(item, name)) === exists;
    }
    const left = this.operand();
    const op = this.next();
    if (op.kind !== 'op') throw invalid(this.what, `expected a comparator, got '${op.text}'`);
    const right = this.operand();
    return (item) => {
      const c = compare(left(item), right(item));
      if (c === undefined) return op.text === '<>';
      switch (op.text) {
        case '=':
          return c === 0;
        case '<>':
          return c !== 0;
        case '<':
          return c < 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        default:
          return c >= 0;
      }
    };
  }
  attribute(): string {
    const token = this.next();
    if (token.kind !== 'name' && token.kind !== 'word')
      throw invalid(this.what, `expected an attribute name, got '${token.text}'`);
    return resolveName(token, this.context, this.what);
  }
  operand(): (item: Item | undefined) => AttributeValue | undefined {
    const token = this.next();
    if (token.kind === 'value') {
      const value = resolveValue(token, this.context, this.what);
      return () => value;
    }
    if (token.kind === 'name' || token.kind === 'word') {
      const name = resolveName(token, this.context, this.what);
      return (item) => item?.[name];
    }
    throw invalid(this.what, `unexpected '${token.text}'`);
  }
  isAt(text: string): boolean {
    return this.peek()?.text === text;
  }
  isClause(): string | undefined {
    const token = this.peek();
    if (token?.kind !== 'word') return undefined;
    const upper = token.text.toUpperCase();
    return upper === 'SET' || upper === 'REMOVE' ? upper : undefined;
  }
  skip(): void {
    this.next();
  }
}

/** Parses a condition expression: a predicate over the item as it stands (undefined when absent). */
export function parseCondition(
  expression: string,
  context: ExpressionContext,
  what = 'ConditionExpression',
): (item: Item | undefined) => boolean {
  const parser = new Parser(tokenize(expression, what), context, what);
  const predicate = parser.condition();
  parser.done();
  return predicate;
}

/** Applies an update expression (SET a = :v, ...; REMOVE b, ...) to a copy of the item. */
export function applyUpdate(expression: string, context: ExpressionContext, item: Item): Item {
  const what = 'UpdateExpression';
  const parser = new Parser(tokenize(expression, what), context, what);
  const result: Item = { ...item };
  let clause = parser.isClause();
  if (clause === undefined) throw invalid(what, 'expected SET or REMOVE');
  while (clause !== undefined) {
    parser.skip();
    for (;;) {
      const name = parser.attribute();
      if (clause === 'SET') {
        if (!parser.isAt('=')) throw invalid(what, `expected '=' after ${name}`);
        parser.skip();
        const value = parser.operand()(item);
        if (value === undefined) throw invalid(what, `the value of ${name} is not an existing attribute`);
        result[name] = structuredClone(value);
      } else {
        delete result[name];
      }
      if (!parser.isAt(',')) break;
      parser.skip();
    }
    clause = parser.isClause();
  }
  parser.done();
  return result;
}

/** A key condition `<key> = :v`: the key attribute and the value it must equal. */
export function parseKeyCondition(
  expression: string,
  context: ExpressionContext,
): { attribute: string; value: AttributeValue } {
  const what = 'KeyConditionExpression';
  const tokens = tokenize(expression, what);
  const parser = new Parser(tokens, context, what);
  const attribute = parser.attribute();
  if (!parser.isAt('=')) throw invalid(what, 'the local stack evaluates only <partition key> = :value');
  parser.skip();
  const token = tokens[2];
  if (token?.kind !== 'value') throw invalid(what, 'the partition key must be compared with a value');
  parser.skip();
  parser.done();
  return { attribute, value: resolveValue(token, context, what) };
}
