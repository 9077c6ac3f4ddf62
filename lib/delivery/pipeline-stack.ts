import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import type { Construct } from 'constructs';
import { AuditBucket } from '../../constructs';
import { acknowledge, acknowledgeWildcards, packs } from '../../constructs/private/acknowledge';
import type { EnvironmentConfig, EnvironmentName } from '../config/types';
import { MlPlatformStage } from '../stages/ml-platform-stage';
import type { DeliveryConfig } from './config';

/** The pipeline's synth output directory (the pipeline app's cloud assembly). */
export const PIPELINE_ASSEMBLY_DIR = 'cdk.pipeline.out';

/**
 * What the synth step runs, in order: the README's install and test commands (through `.ci/run`,
 * which brings Node 22 and redis-server when the image lacks them, installs exactly as the README
 * says and runs `npm test`), then the synth of this pipeline app into its own directory.
 */
export const SYNTH_INSTALL_COMMANDS: readonly string[] = [
  // npm test runs cfn-lint and the mlp tests against a local moto server.
  'pip3 install --quiet cfn-lint==1.51.0 "moto[server]==5.2.1"',
];
export const SYNTH_COMMANDS: readonly string[] = [
  'bash .ci/run',
  `PATH="$PWD/.ci/tools/node_modules/node/bin:$PATH" npx cdk synth --app 'npx tsx bin/pipeline.ts' --output ${PIPELINE_ASSEMBLY_DIR} --quiet`,
];

export interface DeliveryPipelineStackProps extends StackProps {
  readonly delivery: DeliveryConfig;
  /** The validated environments the waves deploy. */
  readonly environments: Readonly<Record<EnvironmentName, EnvironmentConfig>>;
  /** The CDK CLI version of the self-mutation and asset steps (the repository's pinned `aws-cdk`). */
  readonly cliVersion: string;
}

/**
 * The platform's delivery pipeline in the tooling account (`MlPlatform-Delivery`): CDK Pipelines
 * on CodePipeline V2. Source through a CodeConnections connection; a synth step that runs the
 * repository's full check (`npm test`) and synthesizes this app; self-mutation; then one wave per
 * environment (dev -> staging -> prod), prod behind a manual approval. Each wave deploys that
 * environment's `MlPlatformStage` (the same stacks `cdk deploy 'prod/*'` deploys) into its own
 * account through the deploy roles `cdk bootstrap --trust <tooling>` created there. The artifact
 * bucket is encrypted with a KMS key whose policy admits those target accounts (`crossAccountKeys`).
 */
export class DeliveryPipelineStack extends Stack {
  readonly pipeline: pipelines.CodePipeline;
  /** The environment stages, by environment. */
  readonly stages: Partial<Record<EnvironmentName, MlPlatformStage>> = {};

  constructor(scope: Construct, id: string, props: DeliveryPipelineStackProps) {
    const { delivery } = props;
    super(scope, id, {
      ...props,
      env: { account: delivery.tooling.account, region: delivery.tooling.region },
      stackName: props.stackName ?? 'MlPlatform-Delivery',
      terminationProtection: true,
    });

    const source = pipelines.CodePipelineSource.connection(delivery.source.repository, delivery.source.branch, {
      connectionArn: delivery.source.connectionArn,
      // A clone (with .git), not a zip: .ci/run checks with git diff that npm install left the lockfile alone.
      codeBuildCloneOutput: true,
    });

    this.pipeline = new pipelines.CodePipeline(this, 'Pipeline', {
      pipelineName: 'MlPlatform',
      crossAccountKeys: true,
      enableKeyRotation: true,
      cliVersion: props.cliVersion,
      publishAssetsInParallel: false,
      codeBuildDefaults: {
        buildEnvironment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.MEDIUM },
      },
      synth: new pipelines.CodeBuildStep('Synth', {
        input: source,
        installCommands: [...SYNTH_INSTALL_COMMANDS],
        commands: [...SYNTH_COMMANDS],
        primaryOutputDirectory: PIPELINE_ASSEMBLY_DIR,
        buildEnvironment: { computeType: codebuild.ComputeType.LARGE },
      }),
    });

    for (const name of delivery.waves) {
      const pre = delivery.approvalBefore.includes(name)
        ? [
            new pipelines.ManualApprovalStep(`Promote-${name}`, {
              comment: `Deploy the platform to ${name}? The previous waves are deployed.`,
            }),
          ]
        : [];
      const wave = this.pipeline.addWave(name, { pre });
      const stage = new MlPlatformStage(scope, name, { config: props.environments[name] });
      wave.addStage(stage);
      this.stages[name] = stage;
    }

    this.pipeline.buildPipeline();
    this.allowConnectionUnderBothPrefixes(delivery.source.connectionArn);
    this.secureArtifactBucket(this.pipeline.pipeline.artifactBucket);
    this.acknowledgeGeneratedParts();
  }

  /**
   * What CDK Pipelines generates and this stack cannot change, by reference to the pipeline: its
   * roles' inline default policies and their wildcards (the artifact bucket's grant action groups,
   * the key's `GenerateDataKey*`/`ReEncrypt*`, CodeBuild's own log groups and report groups, the
   * asset and self-mutation steps assuming the CDK bootstrap roles), and its CodeBuild projects'
   * source, which is the pipeline's artifact (no repository URL, no credentials).
   */
  private acknowledgeGeneratedParts(): void {
    const scope = this.pipeline;
    acknowledge(
      scope,
      'CDK Pipelines attaches its grants as the default (inline) policy of each role it generates; each is scoped to the pipeline',
      ...packs.both('IAMNoInlinePolicy'),
    );
    acknowledge(
      scope,
      'The CodeBuild projects take their source from the pipeline artifact (CODEPIPELINE), not from a repository URL: the connection holds the credentials',
      packs.pci('CodeBuildProjectSourceRepoUrl'),
    );
    const bucket = this.pipeline.pipeline.artifactBucket.node.defaultChild as s3.CfnBucket;
    const bucketRef = `<${this.getLogicalId(bucket)}.Arn>`;
    acknowledgeWildcards(scope, (finding) => {
      if (/^Action::s3:(Abort|DeleteObject|GetBucket|GetObject|List)\*$/.test(finding)) {
        return 'aws-cdk-lib grant action groups (read/write) on the pipeline artifact bucket only';
      }
      if (/^Action::kms:(GenerateDataKey|ReEncrypt)\*$/.test(finding)) return 'aws-cdk-lib grant action groups on the artifact key only';
      if (finding === `Resource::${bucketRef}/*`) return 'the pipeline artifacts: objects of the artifact bucket';
      if (/^Resource::arn:aws:logs:[a-z0-9-]+:\d{12}:log-group:\/aws\/codebuild\/.*:?\*$/.test(finding)) {
        return "CodeBuild's log groups of the pipeline's projects (named after the generated project)";
      }
      if (/^Resource::arn:aws:codebuild:[a-z0-9-]+:\d{12}:report-group\/.*\*$/.test(finding)) {
        return "CodeBuild's test report groups of the pipeline's projects";
      }
      if (/^Resource::arn:\*:iam::\d{12}:role\/\*$/.test(finding)) {
        return 'the asset and self-mutation steps assume the CDK bootstrap roles (conditioned on the aws-cdk:bootstrap-role tag) of the target accounts';
      }
      if (finding === 'Resource::*') {
        return 'the self-mutation and asset steps read CloudFormation stacks and assume bootstrap roles in accounts only known at run time';
      }
      return undefined;
    });
  }

  /**
   * aws-cdk-lib grants `codestar-connections:UseConnection` (the source action, the clone in the
   * synth project); a connection created since the 2024 rename has a `codeconnections` ARN, whose
   * IAM prefix is `codeconnections`: every role holding the old action also gets the new one, on
   * the same connection only.
   */
  private allowConnectionUnderBothPrefixes(connectionArn: string): void {
    for (const policy of this.pipeline.node.findAll().filter((c): c is iam.Policy => c instanceof iam.Policy)) {
      const json = JSON.stringify(this.resolve(policy.document.toJSON()) ?? {});
      if (json.includes('codestar-connections:UseConnection')) {
        policy.addStatements(new iam.PolicyStatement({ actions: ['codeconnections:UseConnection'], resources: [connectionArn] }));
      }
    }
  }

  /** The generated artifact bucket logs its access into an audit bucket of this stack. */
  private secureArtifactBucket(bucket: s3.IBucket): void {
    const audit = new AuditBucket(this, 'AuditLogs', { expirationDays: 400, removalPolicy: RemovalPolicy.RETAIN });
    const cfn = bucket.node.defaultChild as s3.CfnBucket;
    cfn.loggingConfiguration = { destinationBucketName: audit.bucket.bucketName, logFilePrefix: 'pipeline-artifacts/' };
    // Versioned (an artifact overwritten by a later run stays recoverable), old artifacts expire.
    cfn.versioningConfiguration = { status: 'Enabled' };
    cfn.lifecycleConfiguration = {
      rules: [{ id: 'ExpireOldArtifacts', status: 'Enabled', expirationInDays: 90, noncurrentVersionExpiration: { noncurrentDays: 30 } }],
    };
    acknowledge(
      bucket,
      'Pipeline artifacts are rebuilt from the source repository on every run; one region is enough',
      ...packs.both('S3BucketReplicationEnabled'),
    );
  }
}
