import { describe, expect, it } from 'vitest';
import {
  ModelValidationError,
  modelPattern,
  operationsOf,
  responseProblems,
  restJsonInput,
  type ServiceName,
  serviceModel,
  validateRequest,
} from '../../../../src/local/model/validate';

const SERVICES: readonly ServiceName[] = ['iot', 'stepfunctions', 'events', 'ssm', 'dynamodb'];

function refusal(act: () => void): ModelValidationError {
  try {
    act();
  } catch (error) {
    if (error instanceof ModelValidationError) return error;
    throw error;
  }
  throw new Error('the request was accepted');
}

describe('the API model extract', () => {
  it('holds every served operation with its input and output shapes', () => {
    // Assess
    for (const service of SERVICES) {
      const { shapes } = serviceModel(service);
      for (const [name, operation] of Object.entries(operationsOf(service))) {
        expect(operation.input === undefined || shapes[operation.input] !== undefined, name).toBe(true);
        expect(operation.output === undefined || shapes[operation.output] !== undefined, name).toBe(true);
      }
    }
    expect(Object.keys(operationsOf('dynamodb'))).toEqual([
      'PutItem',
      'GetItem',
      'UpdateItem',
      'DeleteItem',
      'Query',
    ]);
  });

  it('compiles every pattern of every served service', () => {
    // Act
    const patterns = SERVICES.flatMap((service) =>
      Object.values(serviceModel(service).shapes).flatMap((shape) => (shape.pattern ? [shape.pattern] : [])),
    );
    // Assess
    expect(patterns.length).toBeGreaterThan(30);
    for (const pattern of patterns) expect(modelPattern(pattern)).toBeInstanceOf(RegExp);
  });

  it.each<[string, string, boolean]>([
    ['[a-zA-Z0-9\\-]+', 'audit-1', true],
    // Coral matches the whole value, as Java's matches() does.
    ['[a-zA-Z0-9\\-]+', 'audit_1', false],
    // Java's POSIX classes are ASCII-only.
    ['[\\p{Graph}\\x20]*', 'CN=Example CA, O=Acme~', true],
    ['[\\p{Graph}\\x20]*', 'CN=Exémple', false],
    ['\\p{ASCII}*', 'Root=1-abc', true],
    ['\\p{ASCII}*', 'é', false],
    ['^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$', 'équipe 1', true],
  ])('pattern %s on %j: %s', (pattern, value, matches) => {
    expect(modelPattern(pattern).test(value)).toBe(matches);
  });
});

describe('validateRequest', () => {
  it('reports every constraint problem, nested ones by their Coral path, in the service error', () => {
    // Act
    const error = refusal(() =>
      validateRequest('events', 'PutEvents', {
        Entries: [{ Source: 's', DetailType: 'd', Detail: '{}', EventBusName: 'bad bus', TraceHeader: '' }],
      }),
    );
    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.status).toBe(400);
    expect(error.problems).toEqual([
      "Value 'bad bus' at 'entries.1.member.eventBusName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:aws[\\w-]*:events:[a-z]+-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[\\.\\-_A-Za-z0-9]+",
      "Value '' at 'entries.1.member.traceHeader' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ]);
    expect(error.message).toMatch(/^2 validation errors detected: Value 'bad bus'/);
  });

  it('answers a value of the wrong JSON type with SerializationException', () => {
    // Act
    const error = refusal(() => validateRequest('ssm', 'GetParameter', { Name: 42 }));
    // Assess
    expect(error.name).toBe('SerializationException');
    expect(error.message).toContain("at 'name'");
  });

  it('accepts a valid request', () => {
    expect(() =>
      validateRequest('stepfunctions', 'StopExecution', {
        executionArn: 'arn:aws:states:us-east-1:123456789012:execution:m:e',
        error: 'E',
      }),
    ).not.toThrow();
  });
});

describe('restJsonInput', () => {
  it('reads labels, typed query members and the body by the model bindings', () => {
    // Act
    const input = restJsonInput('iot', 'ListAuditMitigationActionsTasks', {
      labels: {},
      query: new URLSearchParams(
        'maxResults=5&startTime=2026-01-01T00%3A00%3A00Z&endTime=1767225600&taskStatus=COMPLETED',
      ),
      body: {},
    });
    // Assess
    expect(input).toEqual({
      maxResults: 5,
      startTime: 1767225600,
      endTime: 1767225600,
      taskStatus: 'COMPLETED',
    });
  });

  it('leaves a query value that is not of its type as text, for the type check', () => {
    // Act
    const input = restJsonInput('iot', 'ListMitigationActions', {
      labels: {},
      query: new URLSearchParams('maxResults=ten'),
      body: {},
    });
    // Assess
    expect(refusal(() => validateRequest('iot', 'ListMitigationActions', input)).name).toBe(
      'SerializationException',
    );
  });
});

describe('responseProblems', () => {
  const summary = {
    executionArn: 'arn:aws:states:us-east-1:123456789012:execution:m:e',
    stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:m',
    name: 'e',
    status: 'RUNNING',
    startDate: 1767225600,
  };

  it('accepts a body of the output shape', () => {
    expect(responseProblems('stepfunctions', 'ListExecutions', { executions: [summary] })).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    [
      'an undeclared member',
      { executions: [{ ...summary, colour: 'red' }] },
      "'executions.1.member.colour' is not a member",
    ],
    [
      'a missing required member',
      { executions: [{ ...summary, name: undefined }] },
      "Value null at 'executions.1.member.name'",
    ],
    [
      'a timestamp as text',
      { executions: [{ ...summary, startDate: '2026-01-01' }] },
      "at 'executions.1.member.startDate' is not a timestamp",
    ],
    ['a status outside its enum', { executions: [{ ...summary, status: 'DONE' }] }, 'satisfy enum value set'],
  ])('flags %s', (_, body, expected) => {
    expect(responseProblems('stepfunctions', 'ListExecutions', body).join('\n')).toContain(expected);
  });

  it('checks error bodies against the error shape', () => {
    // Assess
    expect(
      responseProblems(
        'iot',
        'CreateMitigationAction',
        { message: 'm', resourceId: 'a', resourceArn: 'b' },
        'ResourceAlreadyExistsException',
      ),
    ).toEqual([]);
    expect(
      responseProblems('iot', 'DescribeAuditTask', { message: 'm', extra: 1 }, 'ResourceNotFoundException'),
    ).toEqual(["'extra' is not a member of ResourceNotFoundException"]);
  });
});
