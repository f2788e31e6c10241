/**
 * The Lambda functions the state machine invokes, by their DefinitionSubstitutions key (template.yaml
 * passes each function's ARN under that key). A new function of the workflow is one line here.
 */
export const WORKFLOW_FUNCTIONS = {
  RequestApprovalFunctionArn: 'request-approval',
  WriteReportFunctionArn: 'write-report',
  VerifyAuditFunctionArn: 'verify-audit',
  DispatcherFunctionArn: 'dispatcher',
  RetryFailedFindingsFunctionArn: 'retry-failed-findings',
} as const;

export interface WorkflowSubstitutionOptions {
  readonly region?: string;
  readonly accountId?: string;
  readonly eventBusName?: string;
  readonly eventSource?: string;
}

/** The ARN of one of the workflow's functions (`WORKFLOW_FUNCTIONS`' values) in an account. */
export function workflowFunctionArn(
  name: (typeof WORKFLOW_FUNCTIONS)[keyof typeof WORKFLOW_FUNCTIONS],
  options: WorkflowSubstitutionOptions = {},
): string {
  return `arn:aws:lambda:${options.region ?? 'us-east-1'}:${options.accountId ?? '123456789012'}:function:${name}`;
}

/**
 * Every placeholder of statemachine/mitigation-workflow.asl.json with a value, as template.yaml's
 * DefinitionSubstitutions give them: the event bus and source, and each function's ARN.
 */
export function workflowSubstitutions(options: WorkflowSubstitutionOptions = {}): Record<string, string> {
  const functions = Object.entries(WORKFLOW_FUNCTIONS).map(([key, name]) => [
    key,
    workflowFunctionArn(name, options),
  ]);
  return {
    EventBusName: options.eventBusName ?? 'audit-bus',
    EventSource: options.eventSource ?? 'custom.iot.remediation',
    ...Object.fromEntries(functions),
  };
}
