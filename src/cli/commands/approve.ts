import { decisionCommand } from '../approvals';
import type { Command } from '../command';

/** `iot-remediate approve <taskId>`: the workflow waiting at its gate starts its mitigation task. */
export const approveCommand: Command = decisionCommand('approve');
