/**
 * Request validation and response checks for every service the local stack serves, driven by the AWS
 * API models (api-models.json, generated from botocore by scripts/generate-api-models.py) instead of
 * hand-written rules: types, required members, lengths, patterns, ranges, enums, list and map sizes,
 * nested members at any depth.
 *
 * Problems are reported the way AWS's front end (Coral) reports them: "2 validation errors detected:
 * Value 'x y' at 'taskId' failed to satisfy constraint: Member must satisfy regular expression
 * pattern: [a-zA-Z0-9_-]+; ...", member paths in lowerCamelCase, list items as `name.N.member`.
 */
import apiModels from './api-models.json' with { type: 'json' };

export type ServiceName = keyof typeof apiModels.services;

export interface MemberModel {
  readonly shape: string;
  readonly location?: string;
  readonly locationName?: string;
  /** The SDKs fill in a fresh value when the caller leaves it out. */
  readonly idempotencyToken?: boolean;
}

export interface ShapeModel {
  readonly type: string;
  readonly required?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly members?: Readonly<Record<string, MemberModel>>;
  readonly member?: MemberModel;
  readonly key?: MemberModel;
  readonly value?: MemberModel;
  readonly exception?: boolean;
  readonly error?: { readonly code?: string; readonly httpStatusCode?: number };
}

export interface OperationModel {
  readonly http: { readonly method: string; readonly requestUri: string };
  readonly input?: string;
  readonly output?: string;
  readonly errors: readonly string[];
}

interface ServiceModel {
  readonly metadata: {
    readonly protocol: string;
    readonly apiVersion: string;
    /** awsJson: the version in the content type, application/x-amz-json-<jsonVersion>. */
    readonly jsonVersion?: string;
    readonly targetPrefix?: string;
    /** awsQuery: the namespace of the XML answers. */
    readonly xmlNamespace?: string;
  };
  readonly operations: Readonly<Record<string, OperationModel>>;
  readonly shapes: Readonly<Record<string, ShapeModel>>;
}

const SERVICES = apiModels.services as unknown as Readonly<Record<ServiceName, ServiceModel>>;

/** Where the extract comes from (botocore version), for reports and the README. */
export const MODEL_SOURCE: string = apiModels.source;

/**
 * The error each service answers a constraint violation with. IoT declares InvalidRequestException
 * (400) in its model; Step Functions declares ValidationException; EventBridge, SSM and DynamoDB answer
 * the common ValidationException (400) that their API references list under "Common Errors". A value of
 * the wrong JSON type never reaches validation: the front end answers SerializationException (400).
 */
export const VALIDATION_ERRORS: Readonly<Record<ServiceName, string>> = {
  iot: 'InvalidRequestException',
  stepfunctions: 'ValidationException',
  events: 'ValidationException',
  ssm: 'ValidationException',
  dynamodb: 'ValidationException',
  // awsQuery services answer the common ValidationError (400), per STS's "Common Errors".
  sts: 'ValidationError',
  // S3 answers an invalid argument with its common InvalidArgument (400).
  s3: 'InvalidArgument',
  // Secrets Manager lists InvalidParameterException for a bad SecretId, but a model constraint fails first
  // with the common ValidationException (400) of its "Common Errors".
  secretsmanager: 'ValidationException',
};

export const SERIALIZATION_ERROR = 'SerializationException';

/** A request the model refuses: `name` is the service's error type, `status` its HTTP status. */
export class ModelValidationError extends Error {
  readonly status = 400;

  constructor(
    name: string,
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
    this.name = name;
  }
}

export function serviceModel(service: ServiceName): ServiceModel {
  return SERVICES[service];
}

/** The awsJson service whose `x-amz-target` prefix this is, if the extract has it. */
export function serviceOfTarget(prefix: string): ServiceName | undefined {
  return (Object.keys(SERVICES) as ServiceName[]).find((s) => SERVICES[s].metadata.targetPrefix === prefix);
}

/** The served operations of a service, by name. */
export function operationsOf(service: ServiceName): Readonly<Record<string, OperationModel>> {
  return SERVICES[service].operations;
}

export function shapeOf(service: ServiceName, name: string): ShapeModel {
  const shape = SERVICES[service].shapes[name];
  if (shape === undefined) throw new Error(`${service} has no shape ${name} in api-models.json`);
  return shape;
}

// Java's POSIX classes are ASCII-only (without UNICODE_CHARACTER_CLASS); JavaScript has no \p{Graph}.
const JAVA_CLASSES: Readonly<Record<string, string>> = { Graph: '\\x21-\\x7E', ASCII: '\\x00-\\x7F' };
const patterns = new Map<string, RegExp>();

/**
 * A model pattern as a JavaScript RegExp. Coral matches the whole value (Java's `matches()`), so the
 * pattern is anchored at both ends.
 */
export function modelPattern(pattern: string): RegExp {
  let regex = patterns.get(pattern);
  if (regex === undefined) {
    let inClass = false;
    let source = '';
    for (let i = 0; i < pattern.length; i++) {
      const char = pattern[i];
      const posix = /^\\p\{(Graph|ASCII)\}/.exec(pattern.slice(i));
      if (posix?.[1] !== undefined) {
        const range = JAVA_CLASSES[posix[1]] ?? '';
        source += inClass ? range : `[${range}]`;
        i += posix[0].length - 1;
        continue;
      }
      if (char === '\\') {
        source += pattern.slice(i, i + 2);
        i += 1;
        continue;
      }
      if (char === '[') inClass = true;
      if (char === ']') inClass = false;
      source += char;
    }
    try {
      // Unicode mode for \p{L} and the like...
      regex = new RegExp(`^(?:${source})$`, 'u');
    } catch {
      // ...which refuses identity escapes such as \- outside a class, that Java accepts.
      regex = new RegExp(`^(?:${source})$`);
    }
    patterns.set(pattern, regex);
  }
  return regex;
}

function render(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `'[${value.map((v) => String(v)).join(', ')}]'`;
  if (typeof value === 'object') return `'${JSON.stringify(value)}'`;
  return `'${String(value)}'`;
}

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON key of a body member: its locationName when the model gives one. */
const wireName = (name: string, member: MemberModel): string => member.locationName ?? name;

interface Walk {
  readonly service: ServiceName;
  /** `request`: the model's constraints; `response`: types, required and undeclared members, enums. */
  readonly mode: 'request' | 'response';
  readonly constraints: string[];
  readonly types: string[];
}

function typeOk(shape: ShapeModel, value: unknown): boolean {
  switch (shape.type) {
    case 'string':
    case 'blob':
      return typeof value === 'string';
    case 'integer':
    case 'long':
      return typeof value === 'number' && Number.isInteger(value);
    case 'double':
    case 'float':
    case 'timestamp':
      // JSON bodies carry timestamps as epoch seconds (numbers) both ways.
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'list':
      return Array.isArray(value);
    case 'structure':
    case 'map':
      return isRecord(value);
    default:
      return true;
  }
}

function walk(w: Walk, shapeName: string, value: unknown, path: string): void {
  const shape = shapeOf(w.service, shapeName);
  if (!typeOk(shape, value)) {
    w.types.push(`Value ${render(value)} at '${path}' is not a ${shape.type}`);
    return;
  }
  const fail = (constraint: string) =>
    w.constraints.push(
      `Value ${render(value)} at '${path}' failed to satisfy constraint: Member must ${constraint}`,
    );
  if (shape.enum !== undefined && !shape.enum.includes(value as string)) {
    fail(`satisfy enum value set: [${shape.enum.join(', ')}]`);
  }
  if (w.mode === 'request') {
    // Coral's words: "value" for numbers, "length" for strings (UTF-16 units, as Java counts), lists
    // and maps.
    const numeric = typeof value === 'number';
    const measure = numeric
      ? value
      : typeof value === 'string' || Array.isArray(value)
        ? value.length
        : Object.keys(value as Record<string, unknown>).length;
    const unit = numeric ? 'value' : 'length';
    if (shape.min !== undefined && measure < shape.min)
      fail(`have ${unit} greater than or equal to ${shape.min}`);
    if (shape.max !== undefined && measure > shape.max)
      fail(`have ${unit} less than or equal to ${shape.max}`);
    if (
      shape.pattern !== undefined &&
      typeof value === 'string' &&
      !modelPattern(shape.pattern).test(value)
    ) {
      fail(`satisfy regular expression pattern: ${shape.pattern}`);
    }
  }
  if (shape.type === 'structure' && isRecord(value)) {
    const members = shape.members ?? {};
    const declared = new Set<string>();
    for (const [name, member] of Object.entries(members)) {
      // URI and query members are not in a response body; in a request they come under their name.
      if (member.location !== undefined && w.mode === 'response') continue;
      const key = member.location === undefined ? wireName(name, member) : name;
      declared.add(key);
      const child = value[key];
      const childPath = path === '' ? lowerFirst(name) : `${path}.${lowerFirst(name)}`;
      if (child === undefined || child === null) {
        if (shape.required?.includes(name)) {
          w.constraints.push(
            `Value null at '${childPath}' failed to satisfy constraint: Member must not be null`,
          );
        }
        continue;
      }
      walk(w, member.shape, child, childPath);
    }
    if (w.mode === 'response') {
      for (const key of Object.keys(value)) {
        if (!declared.has(key))
          w.constraints.push(`'${path === '' ? key : `${path}.${key}`}' is not a member of ${shapeName}`);
      }
    }
  } else if (shape.type === 'list' && Array.isArray(value) && shape.member) {
    const { shape: memberShape } = shape.member;
    value.forEach((item, index) => {
      walk(w, memberShape, item, `${path}.${index + 1}.member`);
    });
  } else if (shape.type === 'map' && isRecord(value) && shape.key && shape.value) {
    for (const [key, item] of Object.entries(value)) {
      walk(w, shape.key.shape, key, `${path}.${key}`);
      walk(w, shape.value.shape, item, `${path}.${key}`);
    }
  }
}

function problemsOf(service: ServiceName, shapeName: string, value: unknown, mode: Walk['mode']) {
  const w: Walk = { service, mode, constraints: [], types: [] };
  walk(w, shapeName, value, '');
  return w;
}

function inputShape(service: ServiceName, operation: string): string | undefined {
  const model = operationsOf(service)[operation];
  if (model === undefined) throw new Error(`${service}.${operation} is not in api-models.json`);
  return model.input;
}

/**
 * Checks a request, given as the operation's input structure (member names as keys, timestamps as
 * epoch seconds), against the model. Throws the service's SerializationException when a value has the
 * wrong JSON type, its validation error with every constraint problem otherwise.
 */
export function validateRequest(
  service: ServiceName,
  operation: string,
  input: Record<string, unknown>,
): void {
  const shape = inputShape(service, operation);
  if (shape === undefined) return;
  const { constraints, types } = problemsOf(service, shape, input, 'request');
  if (types.length > 0) throw new ModelValidationError(SERIALIZATION_ERROR, types.join('; '), types);
  if (constraints.length === 0) return;
  const count = constraints.length;
  throw new ModelValidationError(
    VALIDATION_ERRORS[service],
    `${count} validation error${count === 1 ? '' : 's'} detected: ${constraints.join('; ')}`,
    constraints,
  );
}

/** The parts of a restJson request, as the router and the URL give them. */
export interface RestJsonRequest {
  readonly labels: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
  /** Request headers (Node lower-cases their names), for members bound to a header. */
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Assembles a restJson operation's input from its URI labels, query string and JSON body, by the
 * model's bindings. Query values take the member's type (integers, booleans; timestamps in ISO-8601,
 * or epoch seconds, become epoch seconds); a value that cannot is left as text for the type check.
 */
export function restJsonInput(
  service: ServiceName,
  operation: string,
  request: RestJsonRequest,
): Record<string, unknown> {
  const shape = inputShape(service, operation);
  const input: Record<string, unknown> = {};
  if (shape === undefined) return input;
  for (const [name, member] of Object.entries(shapeOf(service, shape).members ?? {})) {
    const key = member.locationName ?? name;
    if (member.location === 'uri') {
      const value = request.labels[key];
      if (value !== undefined) input[name] = value;
    } else if (member.location === 'querystring') {
      const value = request.query.get(key);
      if (value !== null) input[name] = fromText(shapeOf(service, member.shape).type, value);
    } else if (member.location === 'header') {
      const value = request.headers?.[key.toLowerCase()];
      if (typeof value === 'string') input[name] = fromText(shapeOf(service, member.shape).type, value);
    } else if (member.location === undefined) {
      const value = request.body[key];
      if (value !== undefined) input[key] = value;
    }
  }
  return input;
}

function fromText(type: string, text: string): unknown {
  switch (type) {
    case 'integer':
    case 'long':
      return /^-?\d+$/.test(text) ? Number(text) : text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'timestamp': {
      if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
      const ms = Date.parse(text);
      return Number.isNaN(ms) ? text : ms / 1000;
    }
    default:
      return text;
  }
}

/**
 * What is wrong with a response body against the model (for tests): the operation's output shape for
 * a success, the error's shape for an error. Checks member types, required members, enums and that no
 * member is undeclared; awsJson error bodies may carry `__type`.
 */
export function responseProblems(
  service: ServiceName,
  operation: string,
  body: unknown,
  errorName?: string,
): string[] {
  const op = operationsOf(service)[operation];
  if (op === undefined) throw new Error(`${service}.${operation} is not in api-models.json`);
  if (errorName === undefined) {
    if (op.output === undefined)
      return isRecord(body) && Object.keys(body).length === 0 ? [] : ['body must be {}'];
    const { constraints, types } = problemsOf(service, op.output, body, 'response');
    return [...types, ...constraints];
  }
  // Every error body carries its message, modelled or not (EventBridge's errors declare no members);
  // awsJson adds `__type`.
  const { __type: _, message, Message, ...rest } = isRecord(body) ? body : { body };
  const shapeName = SERVICES[service].shapes[errorName] !== undefined ? errorName : undefined;
  const messages = [message, Message].filter((m) => m !== undefined && typeof m !== 'string');
  if (messages.length > 0) return [`${errorName}: the message is not a string`];
  if (shapeName === undefined) {
    // Common errors (SerializationException, ThrottlingException...) are not in every model.
    return Object.keys(rest).length === 0
      ? []
      : [`${errorName}: undeclared members ${Object.keys(rest).join(', ')}`];
  }
  const { constraints, types } = problemsOf(service, shapeName, rest, 'response');
  return [...types, ...constraints];
}
