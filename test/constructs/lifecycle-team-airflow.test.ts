import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { TeamAirflow, type TeamAirflowProps } from '../../constructs';
import { lifecycleStack } from './lifecycle-fixtures';

const PIPELINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:prod-credit-risk-training';
const EMR_APP = 'arn:aws:emr-serverless:eu-west-1:123456789012:/applications/00abc';
const EMR_ROLE = 'arn:aws:iam::123456789012:role/prod-spark-jobs';

function airflow(change: Partial<TeamAirflowProps> = {}, withNag = false) {
  const f = lifecycleStack(withNag);
  const construct = new TeamAirflow(f.stack, 'Airflow', {
    environmentName: 'prod-airflow',
    sourceBucket: f.models,
    vpc: f.vpc,
    encryptionKey: f.key,
    environmentClass: 'mw1.medium',
    maxWorkers: 5,
    pipelines: [sfn.StateMachine.fromStateMachineArn(f.stack, 'Pipeline', PIPELINE)],
    emrServerless: [{ applicationArn: EMR_APP, jobRoleArn: EMR_ROLE }],
    ...change,
  });
  return { ...f, airflow: construct };
}

describe('TeamAirflow', () => {
  test('a private web server, DAGs from the bucket prefix, every log type on, encrypted with the key, sized from props', () => {
    const { stack } = airflow();
    Template.fromStack(stack).hasResourceProperties('AWS::MWAA::Environment', {
      Name: 'prod-airflow',
      WebserverAccessMode: 'PRIVATE_ONLY',
      DagS3Path: 'airflow/dags',
      SourceBucketArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Models'), 'Arn'] },
      KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      EnvironmentClass: 'mw1.medium',
      MaxWorkers: 5,
      NetworkConfiguration: { SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'] },
      LoggingConfiguration: Object.fromEntries(
        ['DagProcessingLogs', 'SchedulerLogs', 'TaskLogs', 'WebserverLogs', 'WorkerLogs'].map((l) => [
          l,
          { Enabled: true, LogLevel: 'INFO' },
        ]),
      ),
    });
  });

  test('the execution role may start the listed pipelines and EMR jobs, passing only the listed job role', () => {
    const { stack } = airflow();
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy')).flatMap(
      (p: any) => p.Properties.PolicyDocument.Statement,
    );
    const allowing = (action: string) => statements.filter((s: any) => [s.Action].flat().includes(action));
    expect(allowing('states:StartExecution').map((s: any) => s.Resource)).toEqual([PIPELINE]);
    expect(allowing('emr-serverless:StartJobRun').map((s: any) => s.Resource)).toEqual([[EMR_APP, `${EMR_APP}/jobruns/*`]]);
    expect(allowing('iam:PassRole')).toEqual([
      {
        Sid: 'PassEmrJobRoles',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: EMR_ROLE,
        Condition: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
      },
    ]);
    expect(allowing('sagemaker:UpdateModelPackage')).toEqual([]);
    for (const s of statements) expect([s.Action].flat()).not.toContain('*');
  });

  test.each([
    [
      'an unknown environment class',
      { environmentClass: 'mw1.huge' as never },
      /environmentClass must be one of mw1.micro, .*got 'mw1.huge'/,
    ],
    ['no pipelines', { pipelines: [] }, /pipelines must list at least one state machine DAGs may start, got none/],
    ['zero workers', { maxWorkers: 0 }, /maxWorkers must be a number from 1 to 25, got 0/],
    [
      'a micro environment with more than one worker',
      { environmentClass: 'mw1.micro' as const, maxWorkers: 2 },
      /maxWorkers must be 1 for environmentClass 'mw1.micro', got 2/,
    ],
    ['a bad maintenance window', { maintenanceWindowStart: 'Sunday 3am' }, /maintenanceWindowStart must be 'DAY:HH:MM'.*got 'Sunday 3am'/],
  ])('rejects %s', (_title, change, message) => {
    expect(() => airflow(change)).toThrow(message);
  });

  test('has no unacknowledged cdk-nag finding in a minimal stack', () => {
    const { stack } = airflow({}, true);
    expect(() => (stack.node.root as App).synth()).not.toThrow();
  });
});

describe('example DAGs', () => {
  test('every DAG file byte-compiles (Airflow is not installed: compile only)', () => {
    // GIVEN
    const dir = join(__dirname, '..', '..', 'dags');
    const files = readdirSync(dir).filter((f) => f.endsWith('.py'));
    const out = mkdtempSync(join(tmpdir(), 'l13-dags-'));
    // WHEN
    const results = files.map((f) => {
      const r = spawnSync(
        'python3',
        [
          '-c',
          'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)',
          join(dir, f),
          join(out, `${f}c`),
        ],
        {
          encoding: 'utf8',
        },
      );
      return [f, r.status, r.stderr];
    });
    rmSync(out, { recursive: true, force: true });
    // THEN
    expect(files.sort()).toEqual(['nightly_feature_backfill.py', 'scheduled_retraining.py']);
    expect(results).toEqual(files.map((f) => [f, 0, '']));
  });
});

test('a micro environment (dev) runs one scheduler and one worker', () => {
  const { stack } = airflow({ environmentClass: 'mw1.micro', maxWorkers: 1 });
  Template.fromStack(stack).hasResourceProperties('AWS::MWAA::Environment', {
    EnvironmentClass: 'mw1.micro',
    Schedulers: 1,
    MaxWorkers: 1,
  });
});

test('the security group admits only its own members, on the web server and database ports', () => {
  const { stack } = airflow();
  const ingress = Object.values(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroupIngress')).map((r: any) => [
    r.Properties.FromPort,
    r.Properties.ToPort,
    r.Properties.SourceSecurityGroupId['Fn::GetAtt'][0],
  ]);
  expect(ingress.map(([from, to]) => [from, to]).sort()).toEqual([
    [443, 443],
    [5432, 5432],
  ]);
  expect(ingress.every(([, , source]) => String(source).startsWith('AirflowSecurityGroup'))).toBe(true);
});
