import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_TASK_ID_LENGTH,
  type Problem,
  type StartMitigationRequest,
  startRequestProblems,
  TASK_ID_PREFIX,
  toStepFunctionsStartRequest,
  withDerivedIds,
} from '../../../src/core';

// The pre-send check against the StartAuditMitigationActionsTask model (reference section 2): one
// invalid request per constraint, each must be refused at its path; the valid edges must pass.

const valid: StartMitigationRequest = {
  taskId: 'remediate-audit-1-0123456789ab',
  target: {
    auditTaskId: 'audit-1',
    auditCheckToReasonCodeFilter: { LOGGING_DISABLED_CHECK: ['LOGGING_DISABLED'] },
  },
  auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['EnableIoTLogging'] },
  clientRequestToken: 'a'.repeat(64),
};

function withChange(change: Partial<StartMitigationRequest>): StartMitigationRequest {
  return { ...valid, ...change };
}

const codes = (n: number) => Array.from({ length: n }, (_, i) => `CODE_${i}`);
const actions = (n: number) => Array.from({ length: n }, (_, i) => `Action${i}`);

describe('startRequestProblems: one invalid request per constraint', () => {
  it('accepts the valid request', () => {
    expect(startRequestProblems(valid)).toEqual([]);
  });

  it.each<[string, Partial<StartMitigationRequest>, Problem | Problem[]]>([
    [
      'empty taskId',
      { taskId: '' },
      [
        { path: 'taskId', message: 'length 0 is outside 1..75' },
        { path: 'taskId', message: 'must match ^[a-zA-Z0-9_-]+$' },
      ],
    ],
    [
      'taskId leaving no room for the follow suffix __<n> in an execution name',
      { taskId: 't'.repeat(MAX_TASK_ID_LENGTH + 1) },
      { path: 'taskId', message: 'length 76 is outside 1..75' },
    ],
    ['taskId with a space', { taskId: 'bad id' }, { path: 'taskId', message: 'must match ^[a-zA-Z0-9_-]+$' }],
    [
      'empty clientRequestToken',
      { clientRequestToken: '' },
      [
        { path: 'clientRequestToken', message: 'length 0 is outside 1..64' },
        { path: 'clientRequestToken', message: 'must match ^[a-zA-Z0-9_-]+$' },
      ],
    ],
    [
      'clientRequestToken of 65 characters',
      { clientRequestToken: 'a'.repeat(65) },
      { path: 'clientRequestToken', message: 'length 65 is outside 1..64' },
    ],
    [
      'clientRequestToken with a dot',
      { clientRequestToken: 'a.b' },
      { path: 'clientRequestToken', message: 'must match ^[a-zA-Z0-9_-]+$' },
    ],
    [
      'empty auditTaskId',
      { target: { auditTaskId: '' } },
      [
        { path: 'target.auditTaskId', message: 'length 0 is outside 1..40' },
        { path: 'target.auditTaskId', message: 'must match ^[a-zA-Z0-9-]+$' },
      ],
    ],
    [
      'auditTaskId of 41 characters',
      { target: { auditTaskId: 'a'.repeat(41) } },
      { path: 'target.auditTaskId', message: 'length 41 is outside 1..40' },
    ],
    [
      'auditTaskId with an underscore (the audit id pattern has none)',
      { target: { auditTaskId: 'audit_1' } },
      { path: 'target.auditTaskId', message: 'must match ^[a-zA-Z0-9-]+$' },
    ],
    [
      'a mapping that names no check',
      { auditCheckToActionsMapping: {}, target: { auditTaskId: 'audit-1' } },
      { path: 'auditCheckToActionsMapping', message: 'names no check' },
    ],
    [
      'a check with no action',
      { auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: [] } },
      {
        path: 'auditCheckToActionsMapping.LOGGING_DISABLED_CHECK',
        message: 'has 0 items; the API takes 1 to 5',
      },
    ],
    [
      'a check with 6 actions',
      { auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: actions(6) } },
      {
        path: 'auditCheckToActionsMapping.LOGGING_DISABLED_CHECK',
        message: 'has 6 items; the API takes 1 to 5',
      },
    ],
    [
      'an empty action name',
      { auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['EnableIoTLogging', ''] } },
      [
        {
          path: 'auditCheckToActionsMapping.LOGGING_DISABLED_CHECK[1]',
          message: 'length 0 is outside 1..128',
        },
        {
          path: 'auditCheckToActionsMapping.LOGGING_DISABLED_CHECK[1]',
          message: 'must match ^[a-zA-Z0-9_-]+$',
        },
      ],
    ],
    [
      'an action name of 129 characters',
      { auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['a'.repeat(129)] } },
      {
        path: 'auditCheckToActionsMapping.LOGGING_DISABLED_CHECK[0]',
        message: 'length 129 is outside 1..128',
      },
    ],
    [
      'an action name with a colon',
      { auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['arn:x'] } },
      {
        path: 'auditCheckToActionsMapping.LOGGING_DISABLED_CHECK[0]',
        message: 'must match ^[a-zA-Z0-9_-]+$',
      },
    ],
    [
      'an empty reason-code filter',
      { target: { auditTaskId: 'audit-1', auditCheckToReasonCodeFilter: { LOGGING_DISABLED_CHECK: [] } } },
      {
        path: 'target.auditCheckToReasonCodeFilter.LOGGING_DISABLED_CHECK',
        message: 'has 0 items; the API takes 1 to 25',
      },
    ],
    [
      '26 reason codes',
      {
        target: {
          auditTaskId: 'audit-1',
          auditCheckToReasonCodeFilter: { LOGGING_DISABLED_CHECK: codes(26) },
        },
      },
      {
        path: 'target.auditCheckToReasonCodeFilter.LOGGING_DISABLED_CHECK',
        message: 'has 26 items; the API takes 1 to 25',
      },
    ],
    [
      'a filter on a check the mapping does not name',
      {
        target: {
          auditTaskId: 'audit-1',
          auditCheckToReasonCodeFilter: {
            LOGGING_DISABLED_CHECK: ['LOGGING_DISABLED'],
            CONFLICTING_CLIENT_IDS_CHECK: ['DUPLICATE_CLIENT_ID_ACROSS_CONNECTIONS'],
          },
        },
      },
      {
        path: 'target.auditCheckToReasonCodeFilter.CONFLICTING_CLIENT_IDS_CHECK',
        message: 'filters a check that the mapping does not name',
      },
    ],
  ])('refuses %s, at its path and only there', (_name, change, problem) => {
    // An empty string breaks its length and its pattern (`+`): both are named.
    expect(startRequestProblems(withChange(change))).toEqual(Array.isArray(problem) ? problem : [problem]);
  });

  it('names every broken constraint of one request at once', () => {
    const problems = startRequestProblems({
      taskId: '',
      target: { auditTaskId: 'a_b' },
      auditCheckToActionsMapping: {},
      clientRequestToken: '!',
    });
    expect(problems.map((p) => p.path)).toEqual([
      'taskId',
      'taskId',
      'clientRequestToken',
      'target.auditTaskId',
      'auditCheckToActionsMapping',
    ]);
  });

  it.each<[string, Partial<StartMitigationRequest>]>([
    ['a taskId of 1 character', { taskId: 'x' }],
    ['a taskId of 75 characters (80 with the follow suffix __999)', { taskId: 't'.repeat(75) }],
    ['a token of 1 character', { clientRequestToken: '_' }],
    ['a token of 64 characters', { clientRequestToken: 'Z'.repeat(64) }],
    ['an auditTaskId of 40 characters', { target: { auditTaskId: 'A'.repeat(40) } }],
    ['an auditTaskId of 1 character', { target: { auditTaskId: '9' } }],
    ['5 actions', { auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: actions(5) } }],
    [
      'an action name of 128 characters',
      { auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['a'.repeat(128)] } },
    ],
    ['an action name of 1 character', { auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['-'] } }],
    [
      '25 reason codes',
      {
        target: {
          auditTaskId: 'audit-1',
          auditCheckToReasonCodeFilter: { LOGGING_DISABLED_CHECK: codes(25) },
        },
      },
    ],
    [
      '1 reason code',
      { target: { auditTaskId: 'audit-1', auditCheckToReasonCodeFilter: { LOGGING_DISABLED_CHECK: ['X'] } } },
    ],
  ])('accepts the edge: %s', (_name, change) => {
    expect(startRequestProblems(withChange(change))).toEqual([]);
  });
});

describe('withDerivedIds', () => {
  const body = {
    target: { auditTaskId: 'audit-1', auditCheckToReasonCodeFilter: { B_CHECK: ['R'] } },
    auditCheckToActionsMapping: { B_CHECK: ['x', 'y'], A_CHECK: ['z'] },
  };

  it('derives the token as the SHA-256 of the canonical JSON of group, target and mapping (keys sorted at every level) and the taskId from the audit and group alone', () => {
    // Prepare: the canonical form written out by hand.
    const canonical =
      '{"auditCheckToActionsMapping":{"A_CHECK":["z"],"B_CHECK":["x","y"]},"group":"auto",' +
      '"target":{"auditCheckToReasonCodeFilter":{"B_CHECK":["R"]},"auditTaskId":"audit-1"}}';
    const hash = createHash('sha256').update(canonical).digest('hex');

    // Act
    const request = withDerivedIds('audit-1', 'auto', body);

    // Assess: every field of the request.
    expect(request).toEqual({
      taskId: `${TASK_ID_PREFIX}audit-1-auto`,
      target: body.target,
      auditCheckToActionsMapping: body.auditCheckToActionsMapping,
      clientRequestToken: hash,
    });
    expect(Object.keys(request).sort()).toEqual([
      'auditCheckToActionsMapping',
      'clientRequestToken',
      'target',
      'taskId',
    ]);
    expect(TASK_ID_PREFIX).toBe('remediate-');
  });

  it('ignores key order and absent members, but not the order of the actions', () => {
    const reordered = withDerivedIds('audit-1', 'auto', {
      auditCheckToActionsMapping: { A_CHECK: ['z'], B_CHECK: ['x', 'y'] },
      target: {
        auditCheckToReasonCodeFilter: { B_CHECK: ['R'] },
        auditTaskId: 'audit-1',
      },
    });
    const withUndefined = withDerivedIds('audit-2', 'auto', {
      target: { auditTaskId: 'audit-2', auditCheckToReasonCodeFilter: undefined },
      auditCheckToActionsMapping: { A_CHECK: ['z'] },
    });
    const without = withDerivedIds('audit-2', 'auto', {
      target: { auditTaskId: 'audit-2' },
      auditCheckToActionsMapping: { A_CHECK: ['z'] },
    });
    const swapped = withDerivedIds('audit-1', 'auto', {
      ...body,
      auditCheckToActionsMapping: { ...body.auditCheckToActionsMapping, B_CHECK: ['y', 'x'] },
    });

    expect(reordered.clientRequestToken).toBe(withDerivedIds('audit-1', 'auto', body).clientRequestToken);
    expect(withUndefined.clientRequestToken).toBe(without.clientRequestToken);
    expect(swapped.clientRequestToken).not.toBe(withDerivedIds('audit-1', 'auto', body).clientRequestToken);
  });

  it('hashes null and nested arrays as JSON does', () => {
    const token = withDerivedIds('a', 'auto', {
      target: { auditTaskId: 'a', auditCheckToReasonCodeFilter: null as never },
      auditCheckToActionsMapping: { C: ['1'] },
    }).clientRequestToken;
    const canonical =
      '{"auditCheckToActionsMapping":{"C":["1"]},"group":"auto","target":{"auditCheckToReasonCodeFilter":null,"auditTaskId":"a"}}';
    expect(token).toBe(createHash('sha256').update(canonical).digest('hex'));
  });
});

describe('toStepFunctionsStartRequest', () => {
  it('renames every member to PascalCase and keeps the reason-code filter and the check names', () => {
    expect(toStepFunctionsStartRequest(valid)).toEqual({
      TaskId: 'remediate-audit-1-0123456789ab',
      Target: {
        AuditTaskId: 'audit-1',
        AuditCheckToReasonCodeFilter: { LOGGING_DISABLED_CHECK: ['LOGGING_DISABLED'] },
      },
      AuditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['EnableIoTLogging'] },
      ClientRequestToken: 'a'.repeat(64),
    });
  });

  it('leaves the filter out, not null, when the request has none', () => {
    const sfn = toStepFunctionsStartRequest({ ...valid, target: { auditTaskId: 'audit-1' } });
    expect(sfn.Target).toEqual({ AuditTaskId: 'audit-1' });
    expect(Object.keys(sfn.Target)).toEqual(['AuditTaskId']);
  });
});
