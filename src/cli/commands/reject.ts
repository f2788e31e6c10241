import { decisionCommand } from '../approvals';
import type { Command } from '../command';

/** `iot-remediate reject <taskId> --reason TEXT`: the workflow waiting at its gate ends REJECTED. */
export const rejectCommand: Command = decisionCommand('reject');
