/** The emulator extensions of scripts/moto_launcher.py, checked through the AWS SDK over HTTP. */
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  ListModelPackageGroupsCommand,
  UpdateEndpointCommand,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { GetServiceQuotaCommand, ListServiceQuotasCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { servingEndpoint } from './fixtures';
import { REGION, useMoto } from './moto';

const moto = useMoto();

async function statuses(n: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = await moto.client.send(new DescribeEndpointCommand({ EndpointName: 'scoring' }));
    seen.push(`${e.EndpointStatus}:${e.EndpointConfigName}`);
  }
  return seen;
}

describe('UpdateEndpoint', () => {
  test('passes through Updating (old config serving) before InService on the new config', async () => {
    await servingEndpoint(moto.client);
    await moto.client.send(
      new UpdateEndpointCommand({ EndpointName: 'scoring', EndpointConfigName: 'scoring-initial', RetainDeploymentConfig: true }),
    );
    expect(await statuses(4)).toEqual([
      'Updating:scoring-initial',
      'Updating:scoring-initial',
      'InService:scoring-initial',
      'InService:scoring-initial',
    ]);
  });

  test('fail-next-update: RollingBack, then InService on the old config with FailureReason; only the next update fails', async () => {
    await servingEndpoint(moto.client);
    await moto.failNextUpdate('rollback', 'boom');
    await moto.client.send(new UpdateEndpointCommand({ EndpointName: 'scoring', EndpointConfigName: 'scoring-initial' }));
    expect(await statuses(4)).toEqual([
      'Updating:scoring-initial',
      'Updating:scoring-initial',
      'RollingBack:scoring-initial',
      'InService:scoring-initial',
    ]);
    expect((await moto.client.send(new DescribeEndpointCommand({ EndpointName: 'scoring' }))).FailureReason).toBe('boom');
    await moto.client.send(new UpdateEndpointCommand({ EndpointName: 'scoring', EndpointConfigName: 'scoring-initial' }));
    const after = await statuses(3);
    expect(after[2]).toBe('InService:scoring-initial');
    expect((await moto.client.send(new DescribeEndpointCommand({ EndpointName: 'scoring' }))).FailureReason).toBeUndefined();
  });

  test('fail-next-update mode failed: the endpoint goes Failed', async () => {
    await servingEndpoint(moto.client);
    await moto.failNextUpdate('failed', 'no capacity');
    await moto.client.send(new UpdateEndpointCommand({ EndpointName: 'scoring', EndpointConfigName: 'scoring-initial' }));
    expect((await statuses(3))[2]).toBe('Failed:scoring-initial');
  });

  test('refuses unknown endpoints and configs, and endpoints that are not InService, like SageMaker', async () => {
    await servingEndpoint(moto.client);
    await expect(
      moto.client.send(new UpdateEndpointCommand({ EndpointName: 'nope', EndpointConfigName: 'scoring-initial' })),
    ).rejects.toThrow(/Could not find endpoint/);
    await expect(moto.client.send(new UpdateEndpointCommand({ EndpointName: 'scoring', EndpointConfigName: 'nope' }))).rejects.toThrow(
      /Could not find endpoint configuration/,
    );
    await moto.client.send(new UpdateEndpointCommand({ EndpointName: 'scoring', EndpointConfigName: 'scoring-initial' }));
    await expect(
      moto.client.send(new UpdateEndpointCommand({ EndpointName: 'scoring', EndpointConfigName: 'scoring-initial' })),
    ).rejects.toThrow(/Cannot update in-progress endpoint/);
  });

  test('moto reset clears a pending failure switch', async () => {
    await moto.failNextUpdate();
    await fetch(`${moto.url}/moto-api/reset`, { method: 'POST' });
    await servingEndpoint(moto.client);
    await moto.client.send(new UpdateEndpointCommand({ EndpointName: 'scoring', EndpointConfigName: 'scoring-initial' }));
    expect(await statuses(3)).toEqual(['Updating:scoring-initial', 'Updating:scoring-initial', 'InService:scoring-initial']);
  });
});

describe('model packages', () => {
  async function pkg(status?: 'Approved'): Promise<string> {
    const res = await moto.client.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: 'g',
        ModelApprovalStatus: status,
        InferenceSpecification: { Containers: [{ Image: 'i' }], SupportedContentTypes: ['a'], SupportedResponseMIMETypes: ['b'] },
        CustomerMetadataProperties: { k: 'v' },
      }),
    );
    return res.ModelPackageArn!;
  }

  test('a package created without approval status is PendingManualApproval, as on AWS', async () => {
    await moto.client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'g' }));
    const arn = await pkg();
    expect((await moto.client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }))).ModelApprovalStatus).toBe(
      'PendingManualApproval',
    );
  });

  test('UpdateModelPackage keeps the fields the request leaves out', async () => {
    await moto.client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'g' }));
    const arn = await pkg();
    await moto.client.send(
      new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: 'Approved', ApprovalDescription: 'ok' }),
    );
    await moto.client.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, CustomerMetadataProperties: { more: '1' } }));
    const d = await moto.client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    expect([d.ModelApprovalStatus, d.ApprovalDescription, d.CustomerMetadataProperties]).toEqual(['Approved', 'ok', { k: 'v', more: '1' }]);
  });

  test('DeleteModelPackage and DeleteModelPackageGroup (only when empty)', async () => {
    await moto.client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'g' }));
    const arn = await pkg('Approved');
    await expect(moto.client.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: 'g' }))).rejects.toThrow(/is not empty/);
    await moto.client.send(new DeleteModelPackageCommand({ ModelPackageName: arn }));
    await expect(moto.client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }))).rejects.toThrow(/not found/);
    await moto.client.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: 'g' }));
    expect((await moto.client.send(new ListModelPackageGroupsCommand({}))).ModelPackageGroupSummaryList).toEqual([]);
    await expect(moto.client.send(new DeleteModelPackageCommand({ ModelPackageName: arn }))).rejects.toThrow(/not found/);
  });
});

test('CreateModel keeps EnableNetworkIsolation', async () => {
  await servingEndpoint(moto.client);
  expect((await moto.client.send(new DescribeModelCommand({ ModelName: 'scoring-initial' }))).EnableNetworkIsolation).toBe(true);
});

describe('Service Quotas', () => {
  test('seeded quotas answer GetServiceQuota and ListServiceQuotas; a reset clears them', async () => {
    // GIVEN
    const quotas = new ServiceQuotasClient({ region: REGION, endpoint: moto.url });
    try {
      await moto.seedQuotas([{ ServiceCode: 'kafka', QuotaCode: 'L-TEST', QuotaName: 'Number of brokers per account', Value: 90 }]);
      // WHEN / THEN
      const got = await quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'kafka', QuotaCode: 'L-TEST' }));
      expect([got.Quota?.QuotaName, got.Quota?.Value]).toEqual(['Number of brokers per account', 90]);
      const listed = await quotas.send(new ListServiceQuotasCommand({ ServiceCode: 'kafka' }));
      expect(listed.Quotas?.map((q) => [q.QuotaCode, q.Value])).toEqual([['L-TEST', 90]]);
      await fetch(`${moto.url}/moto-api/reset`, { method: 'POST' });
      await expect(quotas.send(new ListServiceQuotasCommand({ ServiceCode: 'kafka' }))).rejects.toThrow(/not available/);
      // moto's own VPC defaults still answer
      const vpc = await quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'vpc', QuotaCode: 'L-F678F1CE' }));
      expect(vpc.Quota?.QuotaCode).toBe('L-F678F1CE');
    } finally {
      quotas.destroy();
    }
  });
});
