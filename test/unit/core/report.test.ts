import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuditFinding,
  CSV_COLUMNS,
  csvField,
  outcomeOfExecutions,
  parseJsonLines,
  planReportReads,
  type ReportRow,
  renderReportTable,
  reportKeys,
  reportRow,
  resourceText,
  sortRows,
  summarise,
  toCsv,
  toJsonLines,
} from '../../../src/core';

const stats = (
  check: string,
  counts: Partial<Record<'total' | 'succeeded' | 'failed' | 'skipped' | 'canceled', number>>,
) => ({
  check,
  total: 0,
  succeeded: 0,
  failed: 0,
  skipped: 0,
  canceled: 0,
  ...counts,
});

function row(
  check: string,
  findingId: string,
  outcome: ReportRow['outcome'],
  actions?: ReportRow['actions'],
): ReportRow {
  return {
    check,
    findingId,
    resourceType: 'DEVICE_CERTIFICATE',
    resource: `cert-${findingId}`,
    reasonCode: 'R',
    outcome,
    ...(actions ? { actions } : {}),
  };
}

/** Parses CSV as RFC 4180 says (quoted fields, doubled quotes, CRLF records). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  return records;
}

describe('the read plan', () => {
  it.each([
    ['every finding succeeded: none read', stats('A', { total: 5, succeeded: 5 }), 'SUCCEEDED'],
    ['every finding canceled: none read', stats('A', { total: 5, canceled: 5 }), 'CANCELED'],
    ['nothing processed yet (deadline): none read', stats('A', { total: 5 }), 'PENDING'],
    ['a failure: read', stats('A', { total: 5, succeeded: 4, failed: 1 }), undefined],
    ['all failed: read for the error codes', stats('A', { total: 2, failed: 2 }), undefined],
    ['a skipped finding: read', stats('A', { total: 5, succeeded: 4, skipped: 1 }), undefined],
    [
      'succeeded and canceled mixed: read to tell them apart',
      stats('A', { total: 5, succeeded: 3, canceled: 2 }),
      undefined,
    ],
  ])('%s', (_name, statistics, uniform) => {
    // Act
    const [plan] = planReportReads([statistics]);

    // Assess
    expect(plan).toEqual(uniform === undefined ? { check: 'A' } : { check: 'A', uniformOutcome: uniform });
  });
});

describe('a finding outcome from its executions', () => {
  it.each([
    [[], 'SKIPPED'],
    [['COMPLETED', 'COMPLETED'], 'SUCCEEDED'],
    [['FAILED', 'SKIPPED'], 'FAILED'],
    [['COMPLETED', 'IN_PROGRESS'], 'PENDING'],
    [['COMPLETED', 'PENDING'], 'PENDING'],
    [['COMPLETED', 'CANCELED'], 'CANCELED'],
    [['COMPLETED', 'SKIPPED'], 'SKIPPED'],
  ])('%j is %s', (statuses, outcome) => {
    expect(outcomeOfExecutions(statuses.map((status) => ({ actionName: 'a', status })))).toBe(outcome);
  });
});

describe('report rows', () => {
  it.each([
    [{ deviceCertificateId: 'abc' }, 'abc'],
    [{ policyVersionIdentifier: { policyName: 'p', policyVersionId: '3' } }, 'p:3'],
    [{ account: '123456789012' }, '123456789012'],
    [{}, ''],
  ])('renders the resource %j as %s', (identifier, text) => {
    const finding: AuditFinding = {
      findingId: 'f',
      checkName: 'C',
      nonCompliantResource: { resourceType: 'X', resourceIdentifier: identifier },
    };
    expect(resourceText(finding)).toBe(text);
  });

  it('keeps the actions only for a finding that was read', () => {
    const finding: AuditFinding = { findingId: 'f', checkName: 'C', reasonForNonComplianceCode: 'R' };
    expect(reportRow(finding, 'SUCCEEDED')).not.toHaveProperty('actions');
    expect(reportRow(finding, 'FAILED', [{ actionName: 'a', status: 'FAILED' }])).toMatchObject({
      check: 'C',
      reasonCode: 'R',
      outcome: 'FAILED',
      actions: [{ actionName: 'a', status: 'FAILED' }],
    });
  });

  it('orders by check, failures first, then by finding id', () => {
    // Prepare
    const rows = [
      row('B', '1', 'SUCCEEDED'),
      row('A', '2', 'SUCCEEDED'),
      row('A', '3', 'FAILED'),
      row('A', '1', 'SKIPPED'),
      row('A', '0', 'SUCCEEDED'),
    ];

    // Act
    const sorted = sortRows(rows).map((r) => `${r.check}${r.findingId}:${r.outcome}`);

    // Assess
    expect(sorted).toEqual(['A3:FAILED', 'A1:SKIPPED', 'A0:SUCCEEDED', 'A2:SUCCEEDED', 'B1:SUCCEEDED']);
  });

  it('counts per check and outcome, and failures per error code of the failed action', () => {
    // Prepare
    const rows = [
      row('A', '1', 'FAILED', [
        { actionName: 'x', status: 'FAILED', errorCode: 'E1' },
        { actionName: 'y', status: 'SKIPPED' },
      ]),
      row('A', '2', 'FAILED', [{ actionName: 'x', status: 'FAILED', errorCode: 'E1' }]),
      row('B', '3', 'FAILED', [{ actionName: 'x', status: 'FAILED' }]),
      row('B', '4', 'SUCCEEDED'),
    ];

    // Act
    const summary = summarise(rows, {
      taskId: 't',
      auditTaskId: 'a',
      taskStatus: 'FAILED',
      generatedAt: '2026-01-01T00:00:00.000Z',
      executionReads: 3,
    });

    // Assess
    expect(summary).toEqual({
      taskId: 't',
      auditTaskId: 'a',
      taskStatus: 'FAILED',
      generatedAt: '2026-01-01T00:00:00.000Z',
      rows: 4,
      failed: 3,
      byCheck: { A: { FAILED: 2 }, B: { FAILED: 1, SUCCEEDED: 1 } },
      errorCodes: { E1: 2, UNKNOWN: 1 },
      executionReads: 3,
    });
  });

  it('derives the keys from the prefix and the task id', () => {
    expect(reportKeys('reports/', 't-1')).toEqual({
      rows: 'reports/t-1/findings.jsonl',
      summary: 'reports/t-1/summary.json',
    });
  });
});

describe('JSON Lines', () => {
  it('round-trips rows, one a line', () => {
    const rows = [
      row('A', '1', 'FAILED', [
        { actionName: 'a', status: 'FAILED', errorCode: 'E', message: 'line\nbreak' },
      ]),
      row('B', '2', 'UNKNOWN'),
    ];
    const text = toJsonLines(rows);
    expect(text.split('\n')).toHaveLength(3);
    expect(parseJsonLines(text)).toEqual(rows);
  });

  it('names the line that is not a report row', () => {
    expect(() => parseJsonLines(`${toJsonLines([row('A', '1', 'FAILED')])}{"check":1}\n`)).toThrow(
      /report line 2/,
    );
  });
});

describe('CSV', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@sum', "'@sum"],
  ])('escapes %j as %s', (value, escaped) => {
    expect(csvField(value)).toBe(escaped);
  });

  it('writes a header, one line per action execution, and one per finding without executions', () => {
    // Prepare
    const rows = [
      row('A', '1', 'FAILED', [
        { actionName: 'x', status: 'FAILED', errorCode: 'E', message: 'cannot, "now"' },
        { actionName: 'y', status: 'SKIPPED' },
      ]),
      row('A', '2', 'SUCCEEDED'),
    ];

    // Act
    const records = parseCsv(toCsv(rows));

    // Assess
    expect(records).toEqual([
      [...CSV_COLUMNS],
      ['A', '1', 'DEVICE_CERTIFICATE', 'cert-1', 'R', 'FAILED', 'x', 'FAILED', 'E', 'cannot, "now"'],
      ['A', '1', 'DEVICE_CERTIFICATE', 'cert-1', 'R', 'FAILED', 'y', 'SKIPPED', '', ''],
      ['A', '2', 'DEVICE_CERTIFICATE', 'cert-2', 'R', 'SUCCEEDED', '', '', '', ''],
    ]);
  });

  it('reads back every message as written, whatever its characters (formula prefixes aside)', () => {
    fc.assert(
      fc.property(fc.string(), (message) => {
        const records = parseCsv(
          toCsv([row('A', '1', 'FAILED', [{ actionName: 'x', status: 'FAILED', message }])]),
        );
        const read = records[1]?.[9] ?? '';
        expect(/^[=+\-@\t\r]/.test(message) ? read.slice(1) : read).toBe(message);
        expect(records).toHaveLength(2);
      }),
    );
  });
});

describe('the terminal table', () => {
  it('groups by check with its counts, failures first with the failed action, and says when partial', () => {
    // Prepare
    const rows = [
      row('B', '9', 'SUCCEEDED'),
      row('A', '2', 'SUCCEEDED'),
      row('A', '1', 'FAILED', [{ actionName: 'x', status: 'FAILED', errorCode: 'E', message: 'no\nway' }]),
    ];
    const summary = summarise(rows, {
      taskId: 't',
      auditTaskId: 'a',
      taskStatus: 'FAILED',
      generatedAt: '2026-01-01T00:00:00.000Z',
      executionReads: 2,
      partial: { reason: 'budget spent', unreadFindings: 7 },
    });

    // Act
    const lines = renderReportTable(summary, rows).split('\n');

    // Assess
    expect(lines).toEqual([
      'Task t (audit a): FAILED, 3 findings, 1 failed',
      'PARTIAL: budget spent (7 findings not read)',
      '',
      'A: 1 failed, 1 succeeded',
      '  FAILED    1  DEVICE_CERTIFICATE cert-1  R  x: E no way',
      '  SUCCEEDED 2  DEVICE_CERTIFICATE cert-2  R',
      '',
      'B: 1 succeeded',
      '  SUCCEEDED 9  DEVICE_CERTIFICATE cert-9  R',
      '',
    ]);
  });
});
