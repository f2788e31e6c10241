import { afterEach, describe, expect, it, vi } from 'vitest';
import { TASK_FINISHED_DETAIL_TYPE, VERIFICATION_FINISHED_DETAIL_TYPE } from '../../src/core';
import { LOCAL_OUTCOME_LEDGER_TABLE, type LocalStack, startLocalStack } from '../../src/local/stack';
import { DEFAULT_SCENARIO, defaultAuditEvents, putOnBus } from '../reliability/harness';

/**
 * A retried record step through the local stack: every workflow's PutEvents puts the finished event
 * and then loses its answer, so the state machine puts the event again and the bus delivers it twice
 * to the built record-outcome function. The dashboard must count each workflow once.
 */

let stack: LocalStack | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await stack?.close();
  stack = undefined;
});

/** The EMF documents written to stdout (Lambda's log) whose metrics include `name`. */
function emfWith(lines: readonly string[], name: string): Record<string, unknown>[] {
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{') && line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((doc) => Object.hasOwn(doc, name));
}

describe('outcome recorded once', () => {
  it('a finished event put twice (lost PutEvents answer, retried) gives its metrics once', async () => {
    // Prepare
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout) as (chunk: string | Uint8Array) => boolean;
    // EMF documents are kept (not printed); anything else goes through.
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return String(chunk).includes('"_aws"') ? true : write(chunk);
    });
    const lost = new Set<string>();
    stack = await startLocalStack({
      scenario: DEFAULT_SCENARIO,
      seed: 7,
      handlerMetrics: true,
      // The first put of each workflow's finished event loses its answer.
      putEventsFaults: (entries) => {
        const detail = entries[0]?.Detail ?? '';
        if (lost.has(detail)) return undefined;
        lost.add(detail);
        return 'lostAnswer';
      },
    });

    // Act
    putOnBus(
      stack,
      defaultAuditEvents().map((event) => event.entry),
    );
    await stack.settled();

    // Assess
    const executions = stack.stepFunctions.executions();
    const finished = stack.bus.events().filter((e) => e['detail-type'] === TASK_FINISHED_DETAIL_TYPE);
    const eventIds = finished.map((e) => (e.detail as { eventId?: string }).eventId);
    const tasksFinished = emfWith(written, 'TasksFinished');
    console.log(
      `outcome once: ${executions.length} workflows, ${finished.length} finished events delivered, ` +
        `${tasksFinished.length} TasksFinished metrics, ${stack.dynamoDb.items(LOCAL_OUTCOME_LEDGER_TABLE).size} ledger items`,
    );
    expect(executions.length).toBeGreaterThan(0);
    expect(finished).toHaveLength(2 * executions.length);
    expect(eventIds.sort()).toEqual(executions.flatMap((e) => [e.name, e.name]).sort());
    expect(tasksFinished).toHaveLength(executions.length);
    const claims = [...stack.dynamoDb.items(LOCAL_OUTCOME_LEDGER_TABLE).keys()];
    expect(claims.filter((k) => !k.startsWith('verification')).sort()).toEqual(
      executions.map((e) => e.name).sort(),
    );
    // The verification events were put twice as well, and claimed once each under their own key.
    const verifications = stack.bus
      .events()
      .filter((e) => e['detail-type'] === VERIFICATION_FINISHED_DETAIL_TYPE)
      .map((e) => (e.detail as { eventId: string }).eventId);
    const verified = [...new Set(verifications)].sort();
    expect(verified.length).toBeGreaterThan(0);
    expect(verifications).toHaveLength(2 * verified.length);
    expect(claims.filter((k) => k.startsWith('verification-event#')).sort()).toEqual(
      verified.map((id) => `verification-event#${id}`),
    );
    expect(stack.bus.deadLetters()).toEqual([]);
  });
});
