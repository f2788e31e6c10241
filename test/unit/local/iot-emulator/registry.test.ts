import {
  ListPrincipalThingsCommand,
  ListThingPrincipalsCommand,
  ListThingsInThingGroupCommand,
  paginateListThingsInThingGroup,
} from '@aws-sdk/client-iot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ScenarioInput, ScenarioSchema } from '../../../../src/local/scenario';
import { errorOf, FIXTURE, type Harness, startHarness } from './fixture';

const cert = (digit: string) => digit.repeat(64);
const ARN = (id: string) => `arn:aws:iot:us-east-1:111122223333:cert/${id}`;

/** A fleet: plant > line-a > cell-1, plant > line-b; things in several groups; certificates shared. */
const REGISTRY: ScenarioInput = {
  ...FIXTURE,
  thingGroups: [
    { name: 'plant' },
    { name: 'line-a', parentGroupName: 'plant' },
    { name: 'cell-1', parentGroupName: 'line-a' },
    { name: 'line-b', parentGroupName: 'plant' },
    { name: 'empty' },
  ],
  things: [
    { name: 'gateway', thingGroups: ['plant'], certificateIds: [cert('a')], attributes: { site: 'north' } },
    { name: 'press-1', thingGroups: ['line-a'], certificateIds: [cert('b'), cert('c')] },
    { name: 'robot:7', thingGroups: ['cell-1', 'line-b'], certificateIds: [cert('c')] },
    { name: 'loose', certificateIds: [] },
  ],
  audits: [
    ...(FIXTURE.audits ?? []),
    {
      taskId: 'audit-certs',
      taskType: 'ON_DEMAND_AUDIT_TASK',
      taskStatus: 'COMPLETED',
      taskStartTime: Date.UTC(2026, 0, 1) / 1000 - 600,
      checks: {
        DEVICE_CERTIFICATE_SHARED_CHECK: {
          checkRunStatus: 'COMPLETED_NON_COMPLIANT',
          findings: [
            {
              findingId: 'f-orphan-cert',
              reasonCode: 'CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES',
              resourceIdentifier: { deviceCertificateId: cert('d') },
            },
          ],
        },
      },
    },
  ],
};

describe('iot emulator: the registry (things, static groups, certificates)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ scenario: ScenarioSchema.parse(REGISTRY) });
  });
  afterEach(async () => {
    await h.close();
  });

  describe('ListThingsInThingGroup', () => {
    it("lists a group's own things, and with recursive its descendants' too, each once", async () => {
      // Act
      const own = await h.client.send(new ListThingsInThingGroupCommand({ thingGroupName: 'plant' }));
      const all = await h.client.send(
        new ListThingsInThingGroupCommand({ thingGroupName: 'plant', recursive: true }),
      );
      const leaf = await h.client.send(
        new ListThingsInThingGroupCommand({ thingGroupName: 'line-b', recursive: true }),
      );
      const empty = await h.client.send(new ListThingsInThingGroupCommand({ thingGroupName: 'empty' }));
      // Assess
      expect(own.things).toEqual(['gateway']);
      expect(all.things).toEqual(['gateway', 'press-1', 'robot:7']);
      expect(leaf.things).toEqual(['robot:7']);
      expect(empty.things).toEqual([]);
      expect(own.nextToken).toBeUndefined();
    });

    it('pages with maxResults and an opaque nextToken (the SDK paginator walks it)', async () => {
      // Act
      const first = await h.client.send(
        new ListThingsInThingGroupCommand({ thingGroupName: 'plant', recursive: true, maxResults: 2 }),
      );
      const pages: string[][] = [];
      for await (const page of paginateListThingsInThingGroup(
        { client: h.client, pageSize: 1 },
        { thingGroupName: 'plant', recursive: true },
      ))
        pages.push(page.things ?? []);
      // Assess
      expect(first.things).toEqual(['gateway', 'press-1']);
      expect(first.nextToken).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(pages).toEqual([['gateway'], ['press-1'], ['robot:7']]);
    });

    it('answers ResourceNotFoundException 404 for an unknown group', async () => {
      // Act
      const error = await errorOf(
        h.client.send(new ListThingsInThingGroupCommand({ thingGroupName: 'no-such-group' })),
      );
      // Assess
      expect(error).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
      expect(error.message).toContain('no-such-group');
    });

    it('refuses a name against the model pattern and maxResults out of 1..250 with InvalidRequestException', async () => {
      // Act
      const badName = await errorOf(
        h.client.send(new ListThingsInThingGroupCommand({ thingGroupName: 'bad name' })),
      );
      const tooMany = await errorOf(
        h.client.send(new ListThingsInThingGroupCommand({ thingGroupName: 'plant', maxResults: 251 })),
      );
      const zero = await errorOf(
        h.client.send(new ListThingsInThingGroupCommand({ thingGroupName: 'plant', maxResults: 0 })),
      );
      // Assess
      expect(badName).toMatchObject({ name: 'InvalidRequestException', status: 400 });
      expect(badName.message).toContain("at 'thingGroupName' failed to satisfy constraint");
      expect(tooMany.message).toContain('Member must have value less than or equal to 250');
      expect(zero.message).toContain('Member must have value greater than or equal to 1');
    });

    it('refuses a nextToken of another operation', async () => {
      // Prepare
      const page = await h.client.send(
        new ListThingsInThingGroupCommand({ thingGroupName: 'plant', recursive: true, maxResults: 1 }),
      );
      // Act
      const error = await errorOf(
        h.client.send(new ListThingPrincipalsCommand({ thingName: 'press-1', nextToken: page.nextToken })),
      );
      // Assess
      expect(error).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    });
  });

  describe('ListThingPrincipals', () => {
    it('lists the certificate ARNs attached to a thing, and none for a thing without', async () => {
      // Act
      const press = await h.client.send(new ListThingPrincipalsCommand({ thingName: 'press-1' }));
      const robot = await h.client.send(new ListThingPrincipalsCommand({ thingName: 'robot:7' }));
      const loose = await h.client.send(new ListThingPrincipalsCommand({ thingName: 'loose' }));
      const paged = await h.client.send(
        new ListThingPrincipalsCommand({ thingName: 'press-1', maxResults: 1 }),
      );
      // Assess
      expect(press.principals).toEqual([ARN(cert('b')), ARN(cert('c'))]);
      expect(robot.principals).toEqual([ARN(cert('c'))]);
      expect(loose.principals).toEqual([]);
      expect(paged.principals).toEqual([ARN(cert('b'))]);
      expect(paged.nextToken).toBeDefined();
    });

    it('answers ResourceNotFoundException 404 for an unknown thing', async () => {
      // Act
      const error = await errorOf(h.client.send(new ListThingPrincipalsCommand({ thingName: 'ghost' })));
      // Assess
      expect(error).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    });
  });

  describe('ListPrincipalThings', () => {
    it('lists the things a certificate is attached to (principal in the x-amzn-principal header)', async () => {
      // Act
      const shared = await h.client.send(new ListPrincipalThingsCommand({ principal: ARN(cert('c')) }));
      const single = await h.client.send(new ListPrincipalThingsCommand({ principal: ARN(cert('a')) }));
      // A certificate known from a finding only is attached to nothing.
      const orphan = await h.client.send(new ListPrincipalThingsCommand({ principal: ARN(cert('d')) }));
      // Assess
      expect(shared.things).toEqual(['press-1', 'robot:7']);
      expect(single.things).toEqual(['gateway']);
      expect(orphan.things).toEqual([]);
    });

    it('answers ResourceNotFoundException for an unknown certificate or another account, InvalidRequestException for a non-ARN', async () => {
      // Act
      const unknown = await errorOf(
        h.client.send(new ListPrincipalThingsCommand({ principal: ARN(cert('e')) })),
      );
      const otherAccount = await errorOf(
        h.client.send(
          new ListPrincipalThingsCommand({
            principal: `arn:aws:iot:us-east-1:999999999999:cert/${cert('a')}`,
          }),
        ),
      );
      const bare = await errorOf(h.client.send(new ListPrincipalThingsCommand({ principal: cert('a') })));
      // Assess
      expect(unknown).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
      expect(otherAccount).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
      expect(bare).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    });

    it('refuses a request without the principal header as the model requires it', async () => {
      // Act: raw HTTP, as the SDK would not leave a required header out.
      const response = await fetch(`${h.url}/principals/things`);
      const body = (await response.json()) as { message: string };
      // Assess
      expect(response.status).toBe(400);
      expect(response.headers.get('x-amzn-errortype')).toBe('InvalidRequestException');
      expect(body.message).toContain(
        "Value null at 'principal' failed to satisfy constraint: Member must not be null",
      );
    });
  });
});

describe('scenario: the registry is validated by path', () => {
  const problems = (input: ScenarioInput) => {
    const result = ScenarioSchema.safeParse(input);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts the fleet above', () => {
    // Act
    const parsed = ScenarioSchema.parse(REGISTRY);
    // Assess
    expect(parsed.things.map((t) => t.name)).toEqual(['gateway', 'press-1', 'robot:7', 'loose']);
    expect(parsed.things[3]?.thingGroups).toEqual([]);
  });

  it('refuses names against the model patterns, unknown and duplicate groups, cycles, by path', () => {
    // Act
    const found = problems({
      thingGroups: [
        { name: 'a', parentGroupName: 'b' },
        { name: 'b', parentGroupName: 'a' },
        { name: 'a' },
        { name: 'orphan', parentGroupName: 'missing' },
        { name: 'bad name' },
      ],
      things: [
        { name: 'ok', thingGroups: ['nowhere'] },
        { name: 'ok' },
        { name: 'x'.repeat(129) },
        { name: 't', certificateIds: ['abc'] },
      ],
    });
    // Assess
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^thingGroups\.4\.name: must match the IoT model's ThingGroupName pattern/),
        expect.stringMatching(/^things\.2\.name: /),
        expect.stringMatching(/^things\.3\.certificateIds\.0: /),
      ]),
    );
    // Cross-reference problems come once the names are valid.
    const refs = problems({
      thingGroups: [
        { name: 'a', parentGroupName: 'b' },
        { name: 'b', parentGroupName: 'a' },
        { name: 'a' },
        { name: 'orphan', parentGroupName: 'missing' },
      ],
      things: [{ name: 'ok', thingGroups: ['nowhere'] }, { name: 'ok' }],
    });
    expect(refs).toEqual(
      expect.arrayContaining([
        'thingGroups.2.name: duplicate thing group a',
        'thingGroups.3.parentGroupName: unknown thing group missing',
        'things.0.thingGroups.0: unknown thing group nowhere',
        'things.1.name: duplicate thing ok',
      ]),
    );
    expect(refs.some((p) => p.endsWith('is its own ancestor'))).toBe(true);
  });

  it('refuses unknown members of a thing (strict)', () => {
    // Act
    const found = problems({ things: [{ name: 't', groups: ['g'] } as never] });
    // Assess
    expect(found.join('\n')).toContain('groups');
  });
});
