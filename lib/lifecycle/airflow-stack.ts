import { ArnFormat, CfnOutput } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { type DataLake, TeamAirflow } from '../../constructs';
import { acknowledge } from '../../constructs/private/acknowledge';
import type { SparkApplication } from '../../constructs/spark';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';
import { trainingPipelineName } from './stack';

export interface AirflowStackProps extends PlatformStackProps {
  readonly vpc: ec2.IVpc;
  /** The lake: DAGs are read from the curated zone's bucket (`airflow/dags/`). */
  readonly lake: DataLake;
  /** Key of the environment's data, queues and logs (the lake's key). */
  readonly dataKey: kms.IKey;
  /** EMR Serverless: the backfill DAG runs the feature pipeline's jobs there. */
  readonly spark: SparkApplication;
}

/** The DAGs' prefix in the curated zone's bucket. */
export const DAGS_PREFIX = 'airflow/dags/';

/**
 * Amazon MWAA for team workflows (`<env>-airflow`, private web server, DAGs from the lake), in a
 * stack of its own: its ~30-minute create waits only for Security, Network and Data, never for the
 * slow Serving chain. Its execution role starts the models' training pipelines, named by
 * convention (`<env>-<model>-training`, the Lifecycle stack's), and the feature pipeline's
 * EMR Serverless jobs (their roles are the Features stack's: passed by name prefix).
 */
export class AirflowStack extends PlatformStack {
  readonly airflow: TeamAirflow;

  constructor(scope: Construct, id: string, props: AirflowStackProps) {
    const { config } = props;
    super(scope, id, { ...props, terminationProtection: config.terminationProtection });
    const a = config.lifecycle.airflow;
    if (!a.enabled) throw new Error(`AirflowStack: lifecycle.airflow is off in ${config.name}`);
    const pipelines = config.lifecycle.models.map((m) =>
      sfn.StateMachine.fromStateMachineName(this, `${m.model}-pipeline`, trainingPipelineName(config.name, m.model)),
    );
    this.airflow = new TeamAirflow(this, 'Airflow', {
      environmentName: `${config.name}-airflow`,
      sourceBucket: props.lake.bucket('curated'),
      dagsPrefix: DAGS_PREFIX,
      vpc: props.vpc,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      encryptionKey: props.dataKey,
      environmentClass: a.environmentClass,
      maxWorkers: a.maxWorkers,
      pipelines,
      emrServerless: [
        {
          applicationArn: props.spark.applicationArn,
          // The feature pipeline's job roles (generated names under the Features stack's name).
          jobRoleArn: this.formatArn({
            service: 'iam',
            region: '',
            resource: 'role',
            resourceName: `MlPlatform-${config.name}-Features-*`,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        },
      ],
    });
    // The scheduled-retraining DAG picks the newest training set of each view (listing only).
    const features = props.lake.bucket('features');
    this.airflow.executionRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListTrainingSets',
        actions: ['s3:ListBucket'],
        resources: [features.bucketArn],
        conditions: { StringLike: { 's3:prefix': ['training-sets/*'] } },
      }),
    );
    // The Features stack's job roles have generated names: passed (to EMR Serverless only) by its name prefix.
    acknowledge(
      this.airflow.executionRole.node.findChild('Policy'),
      "iam:PassRole to EMR Serverless (condition iam:PassedToService) on the feature pipeline's job roles, named by CloudFormation under the Features stack's name",
      `AwsSolutions-IAM5[Resource::arn:aws:iam::${config.account}:role/MlPlatform-${config.name}-Features-*]`,
    );
    new CfnOutput(this, 'EnvironmentName', { value: `${config.name}-airflow`, description: 'MWAA (private web server)' });
    new CfnOutput(this, 'DagsLocation', {
      value: `s3://${props.lake.bucket('curated').bucketName}/${DAGS_PREFIX}`,
      description: 'Upload dags/ here',
    });
  }
}
