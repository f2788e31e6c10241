import type { TaskResourceHandler } from '../../../src/local/step-functions/workflow-runner';

/**
 * Handlers of the verification audit's Task resources for runs whose input has no `verify`: the
 * runner needs a handler for every resource of the definition, and these must never be called.
 */
export const VERIFICATION_NOT_REACHED: Record<string, TaskResourceHandler> = {
  'arn:aws:states:::lambda:invoke': () => {
    throw new Error('not reached: no verification without verify in the input');
  },
  'arn:aws:states:::aws-sdk:iot:startOnDemandAuditTask': () => {
    throw new Error('not reached: no verification without verify in the input');
  },
  'arn:aws:states:::aws-sdk:iot:describeAuditTask': () => {
    throw new Error('not reached: no verification without verify in the input');
  },
};
