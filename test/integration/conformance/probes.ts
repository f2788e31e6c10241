/**
 * Constraint probes generated from the API models: for one operation and a valid request, one request
 * per modelled constraint of every input member (nested members at any depth, present in the valid
 * request or not) that breaks exactly that constraint, with the problem AWS reports for it.
 */
import {
  modelPattern,
  type ServiceName,
  type ShapeModel,
  shapeOf,
  VALIDATION_ERRORS,
} from '../../../src/local/model/validate';

export interface Probe {
  /** e.g. `target.findingIds.1.member: pattern`. */
  readonly label: string;
  readonly input: Record<string, unknown>;
  /** The service's validation error type. */
  readonly errorName: string;
  /** Text the error message must contain: the member's path and the broken constraint. */
  readonly expected: string;
  /** A URI label: the SDK sends it, but it cannot be left out or empty without naming another route. */
  readonly inUri: boolean;
  /** The SDK would not send this request as is (it fills in an omitted idempotency token): send it raw. */
  readonly raw?: boolean;
}

type Step = { readonly key: string } | { readonly index: number };

// Printable characters only: whether AWS compiles its patterns with DOTALL is not known here, so a
// newline against `.*` proves nothing.
const CANDIDATES = [' ', '!', 'é', '#', '%', '~', '"', '\u{1F600}'];

function violatingString(shape: ShapeModel): string | undefined {
  const pattern = modelPattern(shape.pattern ?? '');
  const length = Math.max(shape.min ?? 1, 1);
  for (const candidate of CANDIDATES) {
    const value = candidate.repeat(length);
    if (value.length > (shape.max ?? Number.POSITIVE_INFINITY)) continue;
    if (!pattern.test(value)) return value;
  }
  return undefined;
}

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

/** A sample item for lists whose size is probed: the valid request's first one, else a placeholder. */
function sampleItem(service: ServiceName, shapeName: string, existing: unknown[] | undefined): unknown {
  if (existing !== undefined && existing.length > 0) return existing[0];
  const shape = shapeOf(service, shapeName);
  if (shape.type === 'structure' || shape.type === 'map') return {};
  if (shape.type === 'integer' || shape.type === 'long') return shape.min ?? 1;
  return 'a'.repeat(Math.max(shape.min ?? 1, 1));
}

/** A copy of `root` with `value` at `steps`, creating the structures and lists on the way. */
function setAt(
  root: Record<string, unknown>,
  steps: readonly Step[],
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(root);
  let node: Record<string, unknown> | unknown[] = copy;
  steps.forEach((step, i) => {
    const last = i === steps.length - 1;
    const next = steps[i + 1];
    const fresh = () => (next !== undefined && 'index' in next ? [] : {});
    if ('key' in step) {
      const record = node as Record<string, unknown>;
      if (last) {
        if (value === undefined) delete record[step.key];
        else record[step.key] = value;
      } else {
        record[step.key] ??= fresh();
        node = record[step.key] as Record<string, unknown> | unknown[];
      }
    } else {
      const list = node as unknown[];
      if (last) list[step.index] = value;
      else {
        list[step.index] ??= fresh();
        node = list[step.index] as Record<string, unknown> | unknown[];
      }
    }
  });
  return copy;
}

function readAt(root: unknown, steps: readonly Step[]): unknown {
  let node = root;
  for (const step of steps) {
    if (node === null || typeof node !== 'object') return undefined;
    node = 'key' in step ? (node as Record<string, unknown>)[step.key] : (node as unknown[])[step.index];
  }
  return node;
}

/** Every probe of one operation, from its input shape and a valid request (SDK member names). */
export function probesFor(service: ServiceName, inputShape: string, valid: Record<string, unknown>): Probe[] {
  const probes: Probe[] = [];
  const errorName = VALIDATION_ERRORS[service];
  const problem = (path: string, constraint: string) =>
    `at '${path}' failed to satisfy constraint: Member must ${constraint}`;

  const visit = (shapeName: string, steps: Step[], path: string, seen: readonly string[], inUri: boolean) => {
    // Recursive shapes (DynamoDB's AttributeValue) are probed one level deep.
    if (seen.includes(shapeName)) return;
    const shape = shapeOf(service, shapeName);
    const current = readAt(valid, steps);
    const add = (what: string, value: unknown, expected: string) =>
      probes.push({
        label: `${path}: ${what}`,
        input: setAt(valid, steps, value),
        errorName,
        expected,
        inUri,
      });

    if (shape.enum !== undefined) add('enum', 'NOT_IN_THE_ENUM', problem(path, 'satisfy enum value set'));
    if (shape.type === 'string') {
      if (shape.min !== undefined && shape.min > 0) {
        add(
          'min length',
          'a'.repeat(shape.min - 1),
          problem(path, `have length greater than or equal to ${shape.min}`),
        );
      }
      if (shape.max !== undefined) {
        add(
          'max length',
          'a'.repeat(shape.max + 1),
          problem(path, `have length less than or equal to ${shape.max}`),
        );
      }
      const bad = shape.pattern === undefined ? undefined : violatingString(shape);
      if (bad !== undefined) add('pattern', bad, problem(path, 'satisfy regular expression pattern'));
    }
    if (shape.type === 'integer' || shape.type === 'long') {
      if (shape.min !== undefined)
        add('min', shape.min - 1, problem(path, `have value greater than or equal to ${shape.min}`));
      if (shape.max !== undefined)
        add('max', shape.max + 1, problem(path, `have value less than or equal to ${shape.max}`));
    }
    if (shape.type === 'list' && shape.member !== undefined) {
      const items = Array.isArray(current) ? current : undefined;
      const item = sampleItem(service, shape.member.shape, items);
      if (shape.min !== undefined && shape.min > 0) {
        add(
          'min size',
          Array(shape.min - 1).fill(item),
          problem(path, `have length greater than or equal to ${shape.min}`),
        );
      }
      if (shape.max !== undefined && shape.max < 1000) {
        add(
          'max size',
          Array(shape.max + 1).fill(item),
          problem(path, `have length less than or equal to ${shape.max}`),
        );
      }
      visit(shape.member.shape, [...steps, { index: 0 }], `${path}.1.member`, [...seen, shapeName], false);
    }
    if (shape.type === 'map' && shape.value !== undefined) {
      const entries = current !== null && typeof current === 'object' ? Object.keys(current) : [];
      const key = entries[0] ?? 'key';
      if (shape.min !== undefined && shape.min > 0)
        add('min size', {}, problem(path, 'have length greater than or equal to'));
      visit(shape.value.shape, [...steps, { key }], `${path}.${key}`, [...seen, shapeName], false);
    }
    if (shape.type === 'structure') {
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        const memberPath = path === '' ? lowerFirst(name) : `${path}.${lowerFirst(name)}`;
        const memberSteps = [...steps, { key: name }];
        const uri = member.location === 'uri';
        if (shape.required?.includes(name)) {
          probes.push({
            label: `${memberPath}: required`,
            input: setAt(valid, memberSteps, undefined),
            errorName,
            expected: `Value null at '${memberPath}' failed to satisfy constraint: Member must not be null`,
            inUri: uri,
            raw: member.idempotencyToken === true,
          });
        }
        visit(member.shape, memberSteps, memberPath, [...seen, shapeName], uri);
      }
    }
  };
  visit(inputShape, [], '', [], false);
  return probes;
}
