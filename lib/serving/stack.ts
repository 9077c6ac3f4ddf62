import { CfnOutput } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { MlflowApp, MlflowTrackingServer } from '../../constructs';
import { PlatformStack, type PlatformStackProps } from '../stages/platform-stack';

export interface ServingStackProps extends PlatformStackProps {
  /** The lake's models zone: the MLflow artifact store (prefix `mlflow/`). */
  readonly modelsBucket: s3.IBucket;
}

/**
 * What every model of an environment shares: SageMaker managed MLflow (the serverless app or a
 * tracking server, from config). Nothing here grows with the number of models: each model's
 * registry group, image repository and endpoint specs live in its own stack (`ModelStack`), whose
 * alarms notify the Security stack's on-call topics. Stateful (MLflow holds the experiment
 * history), hence termination protection.
 */
export class ServingStack extends PlatformStack {
  readonly mlflow: MlflowApp | MlflowTrackingServer;
  /** ARN of the MLflow app or tracking server (what clients set as the tracking URI). */
  readonly mlflowArn: string;

  constructor(scope: Construct, id: string, props: ServingStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config } = props;
    const mlflow = config.serving.mlflow;

    if (mlflow.kind === 'app') {
      // Its own construct id: a logical ID never changes its resource type (CloudFormation refuses that).
      const app = new MlflowApp(this, 'MlflowApp', {
        appName: `${config.name}-mlflow`,
        artifactBucket: props.modelsBucket,
        artifactPrefix: 'mlflow',
        weeklyMaintenanceWindowStart: mlflow.weeklyMaintenanceWindowStart,
        removalPolicy: this.namedStatefulRemovalPolicy,
      });
      this.mlflow = app;
      this.mlflowArn = app.arn;
    } else {
      const server = new MlflowTrackingServer(this, 'Mlflow', {
        trackingServerName: `${config.name}-mlflow`,
        artifactBucket: props.modelsBucket,
        artifactPrefix: 'mlflow',
        size: mlflow.size,
        weeklyMaintenanceWindowStart: mlflow.weeklyMaintenanceWindowStart,
        removalPolicy: this.namedStatefulRemovalPolicy,
      });
      this.mlflow = server;
      this.mlflowArn = server.trackingServerArn;
    }

    new CfnOutput(this, mlflow.kind === 'app' ? 'MlflowAppArn' : 'MlflowTrackingServerArn', {
      value: this.mlflowArn,
      description: 'SageMaker managed MLflow',
    });
  }

  /** Lets a principal use MLflow (REST API, UI), scoped to this environment's app or server. */
  grantMlflowUse(grantee: iam.IGrantable): iam.Grant {
    return this.mlflow.grantUse(grantee);
  }
}
