import { readFileSync } from 'node:fs';

// What the workflow tests share: the real ASL file and the resources its Task states call.

export const ASL_TEXT = readFileSync(
  new URL('../../../statemachine/mitigation-workflow.asl.json', import.meta.url),
  'utf8',
);
export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:MitigationWorkflow';
export const START = 'arn:aws:states:::aws-sdk:iot:startAuditMitigationActionsTask';
export const DESCRIBE = 'arn:aws:states:::aws-sdk:iot:describeAuditMitigationActionsTask';
export const PUT_EVENTS = 'arn:aws:states:::events:putEvents';
export const START_EXECUTION = 'arn:aws:states:::states:startExecution';
/** A Lambda function invoked with the callback pattern (RequestApproval, WaitForSlot). */
export const CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
/** A Lambda function invoked and waited for (WriteReport, ReleaseSlot, VerifyAudit, RetryFailedFindings). */
export const INVOKE = 'arn:aws:states:::lambda:invoke';
