import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { TrainingFileSystem, trainingFileSystemProblems } from '../../constructs/compute/training-storage';
import { computeFixture } from './compute-fixture';

const links = [
  { fileSystemPath: '/features', s3Uri: 's3://features-bucket/teams/risk/', direction: 'import' as const },
  { fileSystemPath: '/checkpoints', s3Uri: 's3://models-bucket/risk/checkpoints/', direction: 'importAndExport' as const },
];

describe('TrainingFileSystem', () => {
  // GIVEN
  const { stack, vpc, key } = computeFixture();
  const client = new ec2.SecurityGroup(stack, 'Nodes', { vpc });
  // WHEN
  new TrainingFileSystem(stack, 'Storage', { vpc, subnet: vpc.privateSubnets[0], clientSecurityGroup: client, encryptionKey: key, links });
  const template = Template.fromStack(stack);

  test('PERSISTENT_2 Lustre, KMS-encrypted, one subnet, retained', () => {
    template.hasResource('AWS::FSx::FileSystem', {
      DeletionPolicy: 'Retain',
      Properties: {
        FileSystemType: 'LUSTRE',
        StorageCapacity: 1200,
        SubnetIds: [{ Ref: stack.getLogicalId(vpc.privateSubnets[0].node.defaultChild as ec2.CfnSubnet) }],
        KmsKeyId: { Ref: stack.getLogicalId(key.node.defaultChild as kms.CfnKey) },
        LustreConfiguration: { DeploymentType: 'PERSISTENT_2', PerUnitStorageThroughput: 250, DataCompressionType: 'LZ4' },
      },
    });
  });

  test('data repository links: data imported, checkpoints imported and exported', () => {
    template.hasResourceProperties('AWS::FSx::DataRepositoryAssociation', {
      FileSystemPath: '/features',
      DataRepositoryPath: 's3://features-bucket/teams/risk/',
      S3: { AutoImportPolicy: { Events: ['NEW', 'CHANGED', 'DELETED'] } },
    });
    template.hasResourceProperties('AWS::FSx::DataRepositoryAssociation', {
      FileSystemPath: '/checkpoints',
      S3: { AutoImportPolicy: { Events: ['NEW', 'CHANGED', 'DELETED'] }, AutoExportPolicy: { Events: ['NEW', 'CHANGED', 'DELETED'] } },
    });
  });

  test('only Lustre ports, only between the training nodes and the file servers', () => {
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress');
    const ports = Object.values(ingress).map((r: any) => [r.Properties.FromPort, r.Properties.ToPort]);
    // The L2 adds 988-1023 between the file servers themselves (self-referencing) as well.
    // and the training nodes admit the file servers on the same ports (Lustre connects back to clients).
    expect(ports.sort()).toEqual([
      [1018, 1023],
      [1018, 1023],
      [1018, 1023],
      [988, 1023],
      [988, 988],
      [988, 988],
      [988, 988],
    ]);
    const sources = Object.values(ingress).map((r: any) => JSON.stringify(r.Properties.SourceSecurityGroupId));
    expect(sources.every((s) => s.includes('StorageSecurityGroup') || s.includes('Nodes'))).toBe(true);
  });

  test('the key statement admits only the FSx data-repository roles of this account, through S3', () => {
    // GIVEN
    const { stack: keyStack } = computeFixture();
    const bucketKey = new kms.Key(keyStack, 'BucketKey');
    // WHEN
    TrainingFileSystem.allowDataRepositoryAccess(bucketKey);
    // THEN
    const statements =
      Template.fromStack(keyStack).findResources('AWS::KMS::Key')[keyStack.getLogicalId(bucketKey.node.defaultChild as kms.CfnKey)]
        .Properties.KeyPolicy.Statement;
    const fsx = statements.find((s: any) => s.Sid === 'AllowFsxDataRepositoriesThroughS3');
    expect(fsx.Condition.StringEquals).toEqual({ 'aws:PrincipalAccount': '123456789012', 'kms:ViaService': 's3.eu-west-1.amazonaws.com' });
    expect(JSON.stringify(fsx.Condition.ArnLike)).toContain('AWSServiceRoleForFSxS3Access_*');
  });

  test('problems name the field, the value and what is allowed', () => {
    expect(
      trainingFileSystemProblems('prod.compute.trainingStorage', {
        storageCapacityGiB: 3000,
        throughputPerTiB: 200,
        links: [links[0], { ...links[1], fileSystemPath: '/features/x', s3Uri: 's3://b/*' }],
      }),
    ).toEqual([
      'prod.compute.trainingStorage.storageCapacityGiB: 3000 is not allowed; 1200, 2400 or a multiple of 2400',
      'prod.compute.trainingStorage.throughputPerTiB: 200 is not allowed; one of 125, 250, 500, 1000',
      "prod.compute.trainingStorage.links: fileSystemPath '/features/x' overlaps another link; links need disjoint directories",
      "prod.compute.trainingStorage.links: s3Uri 's3://b/*' is not an S3 prefix like 's3://bucket/teams/risk/'",
    ]);
  });
});
