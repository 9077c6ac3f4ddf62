import { type App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, type IApplyRule, NagRuleCompliance, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { AuditBucket, OnlineFeatureStore } from '../../constructs';
import { buildPlatformApp } from '../../lib/app';
import { RetainStatefulResources } from '../../lib/compliance/retention';
import { acknowledgeFeatureStorePolicy, ONLINE_STORE_POLICY } from '../../lib/feature-store/policy';
import { configWith, environmentsWith, testApp } from '../util';

// ---------------------------------------------------------------------------------------------
// Helpers: every finding the three packs report (acknowledged or not), and every acknowledgement.

type Finding = { path: string; id: string };

/** Records one rule's findings on one resource, as cdk-nag names them, acknowledged or not. */
function record(findings: Finding[], packName: string, params: IApplyRule): void {
  const id = `${packName}-${params.ruleSuffixOverride ?? params.rule.name}`;
  let result: unknown;
  try {
    result = params.rule(params.node);
  } catch {
    result = NagRuleCompliance.NON_COMPLIANT;
  }
  const path = params.node.node.path;
  if (result === NagRuleCompliance.NON_COMPLIANT) findings.push({ path, id });
  else if (Array.isArray(result)) for (const f of result) findings.push({ path, id: `${id}[${f}]` });
}

// Packs that record every finding, ignoring acknowledgements (cdk-nag's `applyRule` extension point).
class RecordingAwsSolutions extends AwsSolutionsChecks {
  readonly findings: Finding[] = [];
  protected applyRule(params: IApplyRule): void {
    record(this.findings, this.readPackName, params);
  }
}
class RecordingPci extends PCIDSS321Checks {
  readonly findings: Finding[] = [];
  protected applyRule(params: IApplyRule): void {
    record(this.findings, this.readPackName, params);
  }
}
class RecordingNist extends NIST80053R5Checks {
  readonly findings: Finding[] = [];
  protected applyRule(params: IApplyRule): void {
    record(this.findings, this.readPackName, params);
  }
}

/** All findings of the three packs under `scope`, acknowledged or not. */
function allFindings(scope: IConstruct): Finding[] {
  return [new RecordingAwsSolutions(), new RecordingPci(), new RecordingNist()].flatMap((pack) => {
    pack.validateScope(scope);
    return pack.findings;
  });
}

/** Every acknowledgement recorded in the tree (after synth, so validation-time ones are there). */
function allAcknowledgements(scope: IConstruct): { path: string; id: string }[] {
  return scope.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) =>
          Object.keys(m.data as Record<string, string>).map((id) => ({ path: c.node.path, id: id.replace(/^annotation::/i, '') })),
        ),
    );
}

/** Acknowledgements that match no finding on their construct or below it. */
function staleAcknowledgements(app: App): string[] {
  app.synth();
  const findings = allFindings(app);
  return allAcknowledgements(app)
    .filter((a) => !a.id.startsWith('CloudFormation-Validate::'))
    .filter((a) => !findings.some((f) => f.id === a.id && (f.path === a.path || f.path.startsWith(`${a.path}/`))))
    .map((a) => `${a.path} ${a.id}`);
}

const ENV = { account: '123456789012', region: 'eu-west-1' };

describe('compliance gates (the whole app)', () => {
  // The committed configuration with the three packs is `cdk synth` itself: bin/ml-platform.ts fails
  // on any unacknowledged finding, and npm test synthesizes every environment (scripts/check-synth.sh).

  test('an unacknowledged finding fails synth and names the rule', () => {
    // GIVEN a stack with an unlogged bucket
    const app = testApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'Bad', { env: ENV });
    new s3.Bucket(stack, 'Unlogged', { enforceSSL: true });
    // WHEN / THEN
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });

  test('every acknowledgement matches a finding (no stale entries)', () => {
    // GIVEN the committed configuration, without the plugins
    const app = testApp();
    buildPlatformApp(app, { compliance: false });
    // WHEN every finding (acknowledged or not) is compared with every acknowledgement
    // THEN each acknowledgement covers a finding on its construct or one of its children
    expect(staleAcknowledgements(app)).toEqual([]);
    // (and there is something to check: the constructs' acknowledgements of the three environments)
    expect(allAcknowledgements(app).length).toBeGreaterThan(100);
  });

  test('the stale check fails when the cause of an acknowledged finding is removed', () => {
    // GIVEN an audit bucket (which acknowledges S1: it is the log destination) whose cause is removed:
    // access logging turned on, so the S1 and logging findings no longer exist
    const app = testApp();
    const stack = new Stack(app, 'Fixed', { env: ENV });
    const audit = new AuditBucket(stack, 'AuditLogs');
    const target = new s3.Bucket(stack, 'LogTarget', { enforceSSL: true });
    (audit.bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: target.bucketName };
    // WHEN
    const stale = staleAcknowledgements(app);
    // THEN the acknowledgements of the removed finding are reported, by path and id
    expect(stale).toEqual(
      expect.arrayContaining([
        'Fixed/AuditLogs/Resource AwsSolutions-S1',
        'Fixed/AuditLogs/Resource PCI.DSS.321-S3BucketLoggingEnabled',
        'Fixed/AuditLogs/Resource NIST.800.53.R5-S3BucketLoggingEnabled',
      ]),
    );
    // and the acknowledgements whose finding remains (replication) are not
    expect(stale).not.toContain('Fixed/AuditLogs/Resource PCI.DSS.321-S3BucketReplicationEnabled');
  });

  test('adding models, endpoints, teams, feature groups and model servers needs no new acknowledgement', () => {
    // GIVEN prod with a second (and third) of each thing a platform engineer adds in config
    const prod = configWith('prod', (c) => {
      const endpoint = c.serving.endpoints[0];
      c.serving.models.push({ name: 'churn', description: 'Likelihood that a borrower repays early' });
      for (const n of ['fraud', 'churn']) {
        c.serving.endpoints.push({ ...structuredClone(endpoint), name: n, model: n });
      }
      const team = c.cluster.teams[0];
      for (const n of ['growth', 'collections']) {
        c.cluster.teams.push({
          ...structuredClone(team),
          name: n,
          lake: { readPrefixes: [`curated/${n}/`], writePrefixes: [`curated/teams/${n}/`] },
        });
      }
      // (their queues own GPUs of the training pool: it grows with them)
      for (const pool of c.cluster.karpenter.nodePools.filter((p: any) => p.workload === 'training')) pool.limits.gpus *= 2;
      const server = c.serving.modelServers[0];
      for (const n of ['fraud', 'churn']) {
        c.serving.modelServers.push({ ...structuredClone(server), name: `${server.name}-${n}`, modelPath: `${n}/v1/` });
      }
      const group = c.featureStore.featureGroups[0];
      for (const n of ['fraud', 'churn']) {
        c.featureStore.featureGroups.push({ ...structuredClone(group), name: `${group.name}_${n}` });
      }
    });
    const app = testApp();
    // WHEN the variant is synthesized with the three packs
    buildPlatformApp(app, { environments: environmentsWith(prod), only: ['prod'], compliance: true });
    // THEN nothing needs a new acknowledgement
    expect(() => app.synth()).not.toThrow();
  });
});

describe('acknowledgements belong to their construct', () => {
  test('apply only where the construct put them', () => {
    // GIVEN an audit bucket and a plain unlogged bucket beside it
    const app = testApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'Elsewhere', { env: ENV });
    new AuditBucket(stack, 'AuditLogs');
    new s3.Bucket(stack, 'NotTheAuditBucket', { enforceSSL: true });
    // WHEN / THEN only the plain bucket is reported
    expect(() => app.synth()).toThrow(/Elsewhere\/NotTheAuditBucket/);
    expect(() => app.synth()).not.toThrow(/Elsewhere\/AuditLogs/);
  });

  test('wildcard acknowledgements cover only the findings their construct causes', () => {
    // GIVEN a policy with a wildcard of nobody's design
    const app = testApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'Wild', { env: ENV });
    new iam.ManagedPolicy(stack, 'Broad', {
      statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::some-bucket/*'] })],
    });
    // WHEN / THEN the wildcard is reported
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::arn:aws:s3:::some-bucket\/\*\]/);
  });
});

describe('environment policy (lib/<capability>/policy.ts)', () => {
  test('dev-only acknowledgements apply to dev and not to prod', () => {
    // GIVEN the same single-node online store in a stack standing for dev and one standing for prod
    const app = testApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    for (const environment of ['dev', 'prod'] as const) {
      const stack = new Stack(app, environment, { env: ENV });
      const vpc = new ec2.Vpc(stack, 'Vpc', {
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        subnetConfiguration: [{ name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      });
      const store = new OnlineFeatureStore(stack, 'Store', {
        vpc,
        namePrefix: `${environment}-features`,
        shards: 1,
        replicasPerShard: 0,
        multiAz: false,
        encryptionKey: new kms.Key(stack, 'Data', { enableKeyRotation: true }),
        logsKey: new kms.Key(stack, 'Logs', { enableKeyRotation: true }),
      });
      // WHEN each applies its environment's policy
      acknowledgeFeatureStorePolicy(environment, store);
    }
    // THEN only prod's single-node store is reported
    expect(() => app.synth()).toThrow(/prod\/Store\/Resource[^\n]*\n[^\n]*AwsSolutions-AEC4/);
    expect(() => app.synth()).not.toThrow(/dev\/Store\/Resource[^\n]*\n[^\n]*AwsSolutions-AEC4/);
  });

  test('every environment acknowledgement has a reason of substance and names a rule', () => {
    for (const ack of ONLINE_STORE_POLICY) {
      expect(ack.reason.length).toBeGreaterThan(40);
      expect(ack.id).toMatch(/^(AwsSolutions|PCI\.DSS\.321|NIST\.800\.53\.R5)-\w+$/);
      expect(ack.environments.length).toBeGreaterThan(0);
    }
  });
});

describe('retention guard', () => {
  test('a stateful resource that would be deleted fails synth in a retaining environment', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'Retaining', { env: ENV });
    new s3.Bucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY });
    // WHEN
    RetainStatefulResources.check(stack, true);
    // THEN
    expect(() => app.synth()).toThrow(
      /AWS::S3::Bucket Retaining\/Data\/Resource has DeletionPolicy Delete; stateful resources must be retained/,
    );
  });

  test('dev (not retaining) may delete stateful resources', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'Cheap', { env: ENV });
    new s3.Bucket(stack, 'Data', { removalPolicy: RemovalPolicy.DESTROY });
    // WHEN
    RetainStatefulResources.check(stack, false);
    // THEN
    expect(() => app.synth()).not.toThrow();
  });
});
