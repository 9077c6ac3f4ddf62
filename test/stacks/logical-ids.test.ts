import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { STATEFUL_TYPES } from '../../lib/compliance/retention';
import { platformStage } from '../util';

/**
 * Logical IDs of stateful resources are a contract: a changed one makes CloudFormation replace
 * (and, where not retained, delete) the resource. This list is the contract; extend it when a
 * stateful resource is added, never edit an existing line.
 */
const PINNED: Record<string, Record<string, string>> = {
  'MlPlatform-prod-Security': {
    KeysLogsKeyD24E82DB: 'AWS::KMS::Key',
    KeysDataKey8F3FE3A4: 'AWS::KMS::Key',
    KeysStreamingKey5AE920F0: 'AWS::KMS::Key',
    KeysComputeKey47AE71BE: 'AWS::KMS::Key',
    KeysServingKey4ED8E288: 'AWS::KMS::Key',
    AuditLogs7B2A6859: 'AWS::S3::Bucket',
    // The on-call topics' key (issue 14).
    OnCallKey8DFDEFC3: 'AWS::KMS::Key',
  },
  'MlPlatform-prod-Network': {
    NetworkFlowLogs2BEC3212: 'AWS::Logs::LogGroup',
  },
  'MlPlatform-prod-Data': {
    LakeRawBucketDA76DCB0: 'AWS::S3::Bucket',
    LakeRawDatabaseFD6F3023: 'AWS::Glue::Database',
    LakeCuratedBucketB28F5F4C: 'AWS::S3::Bucket',
    LakeCuratedDatabase4ADD307F: 'AWS::Glue::Database',
    LakeFeaturesBucket108C30CA: 'AWS::S3::Bucket',
    LakeFeaturesDatabaseB098210B: 'AWS::Glue::Database',
    LakeModelsBucketAB4E6A9E: 'AWS::S3::Bucket',
    LakeModelsDatabase5B13B679: 'AWS::Glue::Database',
    SparkJobLogsE7D7039D: 'AWS::Logs::LogGroup',
  },
  // Moved from MlPlatform-prod-Data under the same construct id (issue 11 item 12): same logical IDs.
  'MlPlatform-prod-Streaming': {
    StreamingBrokerLogs4B48B51C: 'AWS::Logs::LogGroup',
    StreamingE5CA015B: 'AWS::MSK::Cluster',
    StreamingBootstrapBrokersLogs82220E38: 'AWS::Logs::LogGroup',
  },
  'MlPlatform-prod-Serving': {
    MlflowE97BC70F: 'AWS::SageMaker::MlflowTrackingServer',
  },
  // Issue 11 item 12 (allowed once, before any deploy): the registry groups and the endpoint's log
  // group moved here from Serving (same logical IDs, new stacks); the ECR repositories are new.
  'MlPlatform-prod-Model-credit-risk': {
    Registrycreditrisk38AE3A34: 'AWS::SageMaker::ModelPackageGroup',
    Images2D38C313: 'AWS::ECR::Repository',
    CreditRiskLogsE2CAF3E0: 'AWS::Logs::LogGroup',
  },
  'MlPlatform-prod-Model-fraud': {
    Registryfraud76454BAF: 'AWS::SageMaker::ModelPackageGroup',
    Images2D38C313: 'AWS::ECR::Repository',
  },
  'MlPlatform-prod-FeatureStore': {
    OnlineStoreSlowLogE4C833CD: 'AWS::Logs::LogGroup',
    OnlineStoreEngineLogEB311E8D: 'AWS::Logs::LogGroup',
    OnlineStore74D88D63: 'AWS::ElastiCache::ReplicationGroup',
  },
  'MlPlatform-prod-Compute': {
    AccessHostSessionLogs51FEF1D6: 'AWS::Logs::LogGroup',
    ClusterControlPlaneLogsDCEEB876: 'AWS::Logs::LogGroup',
    ClusterKubectlProviderHandlerLogGroup190F6FEE: 'AWS::Logs::LogGroup',
    ClusterKubectlProviderframeworkonEventLogGroup05BF3811: 'AWS::Logs::LogGroup',
  },
  // One stack per feature group (was MlPlatform-prod-FeatureGroups; same construct id, same logical ID).
  'MlPlatform-prod-FeatureGroup-applicant-txn-aggregates': {
    ApplicantTxnAggregatesOfflineTable1810CAE2: 'AWS::Glue::Table',
  },
  // One stack per team: roles, Pod Identity associations, manifests, and the team's image repositories.
  'MlPlatform-prod-Team-credit-risk': { Repositoriestraining3B92D09A: 'AWS::ECR::Repository' },
  'MlPlatform-prod-Team-fraud': { Repositoriestraining3B92D09A: 'AWS::ECR::Repository' },
  'MlPlatform-prod-Features': {
    StreamsRegistryB4D72AA2: 'AWS::Glue::Registry',
    Streamscardtransactions2A5EAD5B: 'AWS::MSK::Topic',
    StreamscardtransactionsSchemaEEC62657: 'AWS::Glue::Schema',
    Streamscardtransactionsdlq36879028: 'AWS::MSK::Topic',
    StreamscardtransactionsdlqSchema2B6BF740: 'AWS::Glue::Schema',
    ArchivecardtransactionsLogs8B08D968: 'AWS::Logs::LogGroup',
  },
  // Prometheus (issue 14): the workspace holds the metrics; its rule and alert-manager logs.
  'MlPlatform-prod-Metrics': {
    Prometheus2BCCDD01: 'AWS::APS::Workspace',
    PrometheusLogs9FA26F4B: 'AWS::Logs::LogGroup',
  },
  // Dashboards, alarms, budgets, the collector: nothing stateful.
  'MlPlatform-prod-Observability': {},
  // Model lifecycle (issue 13): execution logs of the pipelines, retraining, rollout, promotion, imports.
  'MlPlatform-prod-Lifecycle': {
    CreditRiskPipelineExecutionLogFA8BB453: 'AWS::Logs::LogGroup',
    FraudPipelineExecutionLog6839435A: 'AWS::Logs::LogGroup',
    CreditRiskRetrainingExecutionLog9A626F50: 'AWS::Logs::LogGroup',
    CreditRiskRolloutExecutionLog9024579E: 'AWS::Logs::LogGroup',
    CreditRiskPromotionExecutionLog36FE4497: 'AWS::Logs::LogGroup',
    CreditRiskImportExecutionLog6DC8D922: 'AWS::Logs::LogGroup',
    FraudImportExecutionLog42323C02: 'AWS::Logs::LogGroup',
  },
  'MlPlatform-prod-Airflow': {},
};

describe('stateful logical IDs in prod', () => {
  const stage = platformStage('prod');
  const stacks = new Map(stage.node.children.filter((c): c is Stack => c instanceof Stack).map((s) => [s.stackName, s]));

  test('every stack of the stage is pinned (a new stack gets its entry here)', () => {
    // GIVEN / WHEN the stacks of prod
    // THEN each has its entry in this one list
    expect([...stacks.keys()].sort()).toEqual(Object.keys(PINNED).sort());
  });

  test.each(Object.keys(PINNED))('%s keeps its stateful logical IDs, all retained', (stackName) => {
    // GIVEN the stack's template
    // WHEN / THEN each pinned logical ID is there, with its type, retained
    const resources = Template.fromStack(stacks.get(stackName)!).toJSON().Resources as Record<string, any>;
    for (const [logicalId, type] of Object.entries(PINNED[stackName])) {
      expect({ logicalId, type: resources[logicalId]?.Type }).toEqual({ logicalId, type });
      // Retain, or RetainExceptOnCreate for named resources (a failed first create leaves no name behind).
      expect({ logicalId, retained: ['Retain', 'RetainExceptOnCreate'].includes(resources[logicalId].DeletionPolicy) }).toEqual({
        logicalId,
        retained: true,
      });
    }
  });

  test('every stateful resource of a pinned stack is pinned', () => {
    // GIVEN / WHEN the stateful resources of each stack
    // THEN each is in the list (nothing stateful is unpinned)
    for (const [stackName, pinned] of Object.entries(PINNED)) {
      const resources = Template.fromStack(stacks.get(stackName)!).toJSON().Resources as Record<string, any>;
      const stateful = Object.entries(resources)
        .filter(([, r]) => STATEFUL_TYPES.includes(r.Type))
        .map(([id]) => `${stackName}/${id}`);
      expect(stateful.sort()).toEqual(
        Object.keys(pinned)
          .map((id) => `${stackName}/${id}`)
          .sort(),
      );
    }
  });
});
