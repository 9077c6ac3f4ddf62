import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort, startMotoLauncher } from '../../scripts/moto-server';
import { template } from '../util';

/**
 * Dev's archive pipe and its Direct PUT stream, created from their synthesized properties on a moto
 * server through boto3 (botocore checks every parameter against the Firehose and Pipes API models
 * before sending): the template's properties are ones the services accept, and read back as sent.
 * References to other resources become fixed fake ARNs (moto checks none of them).
 */
const ACCOUNT = '123456789012';
const fake = (type: string, id: string): string => {
  switch (type) {
    case 'AWS::KinesisFirehose::DeliveryStream':
      return `arn:aws:firehose:eu-west-1:${ACCOUNT}:deliverystream/${id}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:${id}`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${ACCOUNT}:role/${id}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:${id}:*`;
    default:
      return id;
  }
};
/** The value with CloudFormation intrinsics replaced by fixed strings. */
function resolve(value: any, resources: Record<string, any>): any {
  if (Array.isArray(value)) return value.map((v) => resolve(v, resources));
  if (value === null || typeof value !== 'object') return value;
  if ('Ref' in value)
    return value.Ref === 'AWS::Region'
      ? 'eu-west-1'
      : value.Ref === 'AWS::AccountId'
        ? ACCOUNT
        : value.Ref === 'AWS::Partition'
          ? 'aws'
          : `${value.Ref}`;
  if ('Fn::GetAtt' in value) return fake(resources[value['Fn::GetAtt'][0]]?.Type, value['Fn::GetAtt'][0]);
  if ('Fn::GetStackOutput' in value) {
    const name: string = value['Fn::GetStackOutput'].OutputName;
    if (/Streaming[0-9A-F]{8}Arn/.test(name))
      return `arn:aws:kafka:eu-west-1:${ACCOUNT}:cluster/mlp-dev-events/0b2c3d4e-1111-2222-3333-444455556666-2`;
    if (/Bucket.*Arn/.test(name)) return 'arn:aws:s3:::mlp-dev-lake-raw';
    if (/Key.*Arn/.test(name)) return `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0b2c3d4e-1111-2222-3333-444455556666`;
    return name;
  }
  if ('Fn::Join' in value) return resolve(value['Fn::Join'][1], resources).join(value['Fn::Join'][0]);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, resources)]));
}

describe("dev's archive pipe on a moto server (boto3)", () => {
  let proc: ChildProcess | undefined;
  let url = '';
  beforeAll(async () => {
    const port = await freePort();
    proc = await startMotoLauncher(port, { updatingPolls: 0 });
    url = `http://127.0.0.1:${port}`;
  }, 90_000);
  afterAll(async () => {
    if (proc?.pid !== undefined && proc.exitCode === null) {
      const exited = new Promise((r) => proc!.once('exit', r));
      process.kill(proc.pid, 'SIGTERM');
      await exited;
    }
  });

  test('the synthesized stream and pipe are valid API requests and read back as synthesized', () => {
    // GIVEN dev's Features template
    const resources = template('dev', 'Features').toJSON().Resources as Record<string, any>;
    const [stream] = Object.values(resources).filter((r) => r.Type === 'AWS::KinesisFirehose::DeliveryStream');
    const [pipe] = Object.values(resources).filter((r) => r.Type === 'AWS::Pipes::Pipe');
    const s = resolve(stream.Properties, resources);
    const p = resolve(pipe.Properties, resources);
    const request = {
      stream: {
        DeliveryStreamName: 'dev-archive-card-transactions',
        DeliveryStreamType: s.DeliveryStreamType,
        DeliveryStreamEncryptionConfigurationInput: {
          KeyType: s.DeliveryStreamEncryptionConfigurationInput.KeyType,
          KeyARN: s.DeliveryStreamEncryptionConfigurationInput.KeyARN,
        },
        ExtendedS3DestinationConfiguration: s.ExtendedS3DestinationConfiguration,
      },
      pipe: {
        Name: 'dev-archive-card-transactions',
        Description: p.Description,
        RoleArn: p.RoleArn,
        Source: p.Source,
        SourceParameters: p.SourceParameters,
        Enrichment: p.Enrichment,
        LogConfiguration: p.LogConfiguration,
        DesiredState: p.DesiredState,
      },
    };
    // WHEN boto3 creates and describes them
    const run = spawnSync('python3', [join(__dirname, 'archive_pipe_moto.py'), url], { input: JSON.stringify(request), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout);
    // THEN the stream holds the archive's destination
    expect(out.stream.DeliveryStreamType).toBe('DirectPut');
    const described = out.stream.Destinations[0].ExtendedS3DestinationDescription;
    for (const field of [
      'Prefix',
      'ErrorOutputPrefix',
      'BufferingHints',
      'CompressionFormat',
      'ProcessingConfiguration',
      'DynamicPartitioningConfiguration',
    ]) {
      expect([field, described[field]]).toEqual([field, s.ExtendedS3DestinationConfiguration[field]]);
    }
    // AND the pipe reads the topic into that stream, through the decode step
    expect(out.pipe).toMatchObject({
      Source: request.pipe.Source,
      Target: out.streamArn,
      Enrichment: request.pipe.Enrichment,
      SourceParameters: {
        ManagedStreamingKafkaParameters: { TopicName: 'card-transactions', ConsumerGroupID: 'mlp-archive-card-transactions' },
      },
      DesiredState: 'RUNNING',
    });
  });
});
