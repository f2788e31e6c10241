import {
  DescribeCertificateCommand,
  InternalFailureException,
  IoTClient,
  ListAuditFindingsCommand,
  ListPrincipalThingsCommand,
  ListThingPrincipalsCommand,
  ListThingsInThingGroupCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createIotFindingsApi, createIotResourceDirectory } from '../../../src/adapters/iot';

const iot = mockClient(IoTClient);
afterEach(() => iot.reset());

const CERT = 'c'.repeat(64);
const notFound = () => new ResourceNotFoundException({ message: 'gone', $metadata: {} });

function finding(id: string) {
  return {
    findingId: id,
    checkName: 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
    reasonForNonComplianceCode: 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE',
    nonCompliantResource: {
      resourceType: 'DEVICE_CERTIFICATE' as const,
      resourceIdentifier: { deviceCertificateId: CERT },
    },
    relatedResources: [
      {
        resourceType: 'CLIENT_ID' as const,
        resourceIdentifier: { clientId: 'gw-1' },
        additionalInfo: { a: 'b' },
      },
    ],
  };
}

describe('createIotFindingsApi.listFindings', () => {
  it('pages ListAuditFindings (taskId + checkName, not suppressed, 250 a page) to the end', async () => {
    iot
      .on(ListAuditFindingsCommand)
      .resolvesOnce({ findings: [finding('f1')], nextToken: 'p2' })
      .resolvesOnce({ findings: [finding('f2')] });

    const out = await createIotFindingsApi(new IoTClient({})).listFindings(
      'audit-1',
      'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
      5,
    );

    expect(out.complete).toBe(true);
    expect(out.findings.map((f) => f.findingId)).toEqual(['f1', 'f2']);
    expect(out.findings[0]).toEqual({
      findingId: 'f1',
      checkName: 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
      reasonForNonComplianceCode: 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE',
      nonCompliantResource: {
        resourceType: 'DEVICE_CERTIFICATE',
        resourceIdentifier: { deviceCertificateId: CERT },
      },
      relatedResources: [
        { resourceType: 'CLIENT_ID', resourceIdentifier: { clientId: 'gw-1' }, additionalInfo: { a: 'b' } },
      ],
    });
    const calls = iot.commandCalls(ListAuditFindingsCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      {
        taskId: 'audit-1',
        checkName: 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
        listSuppressedFindings: true,
        maxResults: 250,
        nextToken: undefined,
      },
      {
        taskId: 'audit-1',
        checkName: 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
        listSuppressedFindings: true,
        maxResults: 250,
        nextToken: 'p2',
      },
    ]);
  });

  it('stops at the page budget and says the read is incomplete', async () => {
    iot.on(ListAuditFindingsCommand).resolves({ findings: [finding('f')], nextToken: 'more' });
    const out = await createIotFindingsApi(new IoTClient({})).listFindings('audit-1', 'X_CHECK', 3);
    expect(out.complete).toBe(false);
    expect(iot.commandCalls(ListAuditFindingsCommand)).toHaveLength(3);
  });

  it('refuses a finding without an id, and passes IoT errors on', async () => {
    iot.on(ListAuditFindingsCommand).resolvesOnce({ findings: [{ checkName: 'X' }] });
    await expect(createIotFindingsApi(new IoTClient({})).listFindings('a', 'X', 1)).rejects.toThrow(
      /without findingId/,
    );
    iot
      .on(ListAuditFindingsCommand)
      .rejects(new InternalFailureException({ message: 'boom', $metadata: {} }));
    await expect(createIotFindingsApi(new IoTClient({})).listFindings('a', 'X', 1)).rejects.toThrow('boom');
  });
});

describe('createIotFindingsApi.thingsOfCertificate', () => {
  it('reads the certificate ARN, then pages ListPrincipalThings', async () => {
    const arn = `arn:aws:iot:eu-west-1:123456789012:cert/${CERT}`;
    iot.on(DescribeCertificateCommand).resolves({ certificateDescription: { certificateArn: arn } });
    iot
      .on(ListPrincipalThingsCommand)
      .resolvesOnce({ things: ['t1'], nextToken: 'n' })
      .resolvesOnce({ things: ['t2'] });
    expect(await createIotFindingsApi(new IoTClient({})).thingsOfCertificate(CERT)).toEqual(['t1', 't2']);
    expect(iot.commandCalls(ListPrincipalThingsCommand)[1]?.args[0].input).toEqual({
      principal: arn,
      maxResults: 250,
      nextToken: 'n',
    });
  });

  it('builds the certificate ARN from the account and region when the account is known (no DescribeCertificate)', async () => {
    iot.on(ListPrincipalThingsCommand).resolves({ things: ['t1'] });
    const api = createIotFindingsApi(new IoTClient({ region: 'cn-north-1' }), { accountId: '123456789012' });
    expect(await api.thingsOfCertificate(`0x${CERT.toUpperCase()}`)).toEqual(['t1']);
    expect(iot.commandCalls(DescribeCertificateCommand)).toHaveLength(0);
    expect(iot.commandCalls(ListPrincipalThingsCommand)[0]?.args[0].input.principal).toBe(
      `arn:aws-cn:iot:cn-north-1:123456789012:cert/${CERT}`,
    );
  });

  it('marks suppressed findings (read with listSuppressedFindings true)', async () => {
    iot.on(ListAuditFindingsCommand).resolves({
      findings: [
        { findingId: 'f1', checkName: 'X_CHECK', isSuppressed: true },
        { findingId: 'f2', checkName: 'X_CHECK', isSuppressed: false },
      ],
    });
    const out = await createIotFindingsApi(new IoTClient({})).listFindings('a', 'X_CHECK', 1);
    expect(out.findings.map((f) => [f.findingId, f.suppressed ?? false])).toEqual([
      ['f1', true],
      ['f2', false],
    ]);
  });

  it('answers no things for a certificate that is gone', async () => {
    iot.on(DescribeCertificateCommand).rejects(notFound());
    expect(await createIotFindingsApi(new IoTClient({})).thingsOfCertificate(CERT)).toEqual([]);
  });
});

describe('createIotResourceDirectory', () => {
  it('lists the things of a group recursively, page after page', async () => {
    iot
      .on(ListThingsInThingGroupCommand)
      .resolvesOnce({ things: ['a'], nextToken: 'n' })
      .resolvesOnce({ things: ['b'] });
    expect(await createIotResourceDirectory(new IoTClient({})).thingsInGroup('critical')).toEqual(['a', 'b']);
    expect(iot.commandCalls(ListThingsInThingGroupCommand)[0]?.args[0].input).toEqual({
      thingGroupName: 'critical',
      recursive: true,
      maxResults: 250,
      nextToken: undefined,
    });
  });

  it('keeps the certificate ids of a thing principals, not the other principals', async () => {
    iot.on(ListThingPrincipalsCommand).resolves({
      principals: [
        `arn:aws:iot:eu-west-1:123456789012:cert/${CERT}`,
        'arn:aws:cognito-identity:eu-west-1:123456789012:identitypool/x',
      ],
    });
    expect(await createIotResourceDirectory(new IoTClient({})).certificatesOfThing('gw-1')).toEqual([CERT]);
  });

  it('answers nothing for a group or thing that does not exist, and passes other errors on', async () => {
    iot.on(ListThingsInThingGroupCommand).rejects(notFound());
    iot
      .on(ListThingPrincipalsCommand)
      .rejects(new InternalFailureException({ message: 'boom', $metadata: {} }));
    const directory = createIotResourceDirectory(new IoTClient({}));
    expect(await directory.thingsInGroup('nope')).toEqual([]);
    await expect(directory.certificatesOfThing('gw-1')).rejects.toThrow('boom');
  });
});

describe('createIotFindingsApi.findingsOfResource', () => {
  const CHECK = 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK';
  const resource = { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: CERT } };

  it('asks ListAuditFindings for the one resource (suppressed included), one page', async () => {
    iot.on(ListAuditFindingsCommand).resolves({ findings: [finding('f1')] });

    const out = await createIotFindingsApi(new IoTClient({})).findingsOfResource('audit-2', CHECK, resource);

    expect(out).toMatchObject({ complete: true, findings: [{ findingId: 'f1' }] });
    expect(iot.commandCalls(ListAuditFindingsCommand).map((c) => c.args[0].input)).toEqual([
      {
        taskId: 'audit-2',
        checkName: CHECK,
        resourceIdentifier: { deviceCertificateId: CERT },
        listSuppressedFindings: true,
        maxResults: 250,
      },
    ]);
  });

  it('says the read is not complete when IoT has more pages', async () => {
    iot.on(ListAuditFindingsCommand).resolves({ findings: [], nextToken: 'more' });
    const out = await createIotFindingsApi(new IoTClient({})).findingsOfResource('audit-2', CHECK, resource);
    expect(out).toEqual({ findings: [], complete: false });
  });
});
