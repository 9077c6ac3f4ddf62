/**
 * The endpoint spec the platform keeps in SSM (`/mlp/<env>/endpoints/<name>/spec`, written by the
 * model stack's EndpointSpec construct) and what `mlp endpoints rollout` creates from it the first
 * time: model, endpoint config, endpoint (with its guardrails), then autoscaling and monitoring.
 * Pure: parsing and planning only, unit-tested directly.
 */
import type {
  CreateDataQualityJobDefinitionRequest,
  CreateEndpointConfigInput,
  CreateEndpointInput,
  CreateModelInput,
  CreateMonitoringScheduleRequest,
  DescribeModelPackageOutput,
} from '@aws-sdk/client-sagemaker';
import type { EndpointSpecDocument } from '../constructs/serving/endpoint-spec';
import { RolloutError } from './errors';
import { PACKAGE_TAG } from './plan';

export type EndpointSpec = EndpointSpecDocument;
/** The layout this mlp reads (the construct's ENDPOINT_SPEC_VERSION). */
export const SUPPORTED_SPEC_VERSION = 1;

/** Parses and checks a spec; every problem is one line naming the parameter, field and value. */
export function parseSpec(parameter: string, text: string, endpointName: string): EndpointSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RolloutError(`Endpoint spec ${parameter} is not JSON (${(err as Error).message}). Nothing was changed.`);
  }
  const bad = (field: string, value: unknown, expected: string): never => {
    throw new RolloutError(
      `Endpoint spec ${parameter}: ${field} ${JSON.stringify(value)} is not allowed; expected ${expected}. Nothing was changed.`,
    );
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('(document)', raw, 'a JSON object');
  const s = raw as Record<string, any>;
  if (s.version !== SUPPORTED_SPEC_VERSION)
    bad('version', s.version, `${SUPPORTED_SPEC_VERSION} (this mlp reads layout ${SUPPORTED_SPEC_VERSION}; upgrade mlp)`);
  if (s.endpointName !== endpointName) bad('endpointName', s.endpointName, `the endpoint being rolled out, '${endpointName}'`);
  for (const f of ['variantName', 'modelPackageGroupName', 'executionRoleArn', 'logGroupName'] as const) {
    if (typeof s[f] !== 'string' || s[f].length === 0) bad(f, s[f], 'a non-empty string');
  }
  if (typeof s.kmsKeyArn !== 'string') bad('kmsKeyArn', s.kmsKeyArn, 'a KMS key ARN');
  if (typeof s.networkIsolation !== 'boolean') bad('networkIsolation', s.networkIsolation, 'true or false');
  for (const f of ['subnets', 'securityGroupIds'] as const) {
    if (!Array.isArray(s[f]) || s[f].some((x: unknown) => typeof x !== 'string')) bad(f, s[f], 'a list of ids');
  }
  if ((s.instances === null) === (s.serverless === null)) {
    bad('instances/serverless', { instances: s.instances, serverless: s.serverless }, 'exactly one of them set');
  }
  if (s.instances !== null) {
    if (typeof s.instances?.instanceType !== 'string' || !/^ml\./.test(s.instances.instanceType)) {
      bad('instances.instanceType', s.instances?.instanceType, "an 'ml.*' instance type");
    }
    if (!Number.isInteger(s.instances.initialInstanceCount) || s.instances.initialInstanceCount < 1) {
      bad('instances.initialInstanceCount', s.instances.initialInstanceCount, 'a whole number of at least 1');
    }
  }
  const a = s.autoScaling;
  if (a !== null && a !== undefined) {
    if (!Number.isInteger(a.minInstances) || !Number.isInteger(a.maxInstances) || a.minInstances < 1 || a.minInstances > a.maxInstances) {
      bad('autoScaling', a, 'whole numbers 1 <= minInstances <= maxInstances');
    }
    if (!(a.targetInvocationsPerInstance > 0))
      bad('autoScaling.targetInvocationsPerInstance', a.targetInvocationsPerInstance, 'a number above 0');
  }
  const g = s.guardrails;
  if (g !== null && g !== undefined && (!Array.isArray(g.rollbackAlarmNames) || !(g.canaryPercent >= 1 && g.canaryPercent <= 50))) {
    bad('guardrails', g, 'canaryPercent 1 to 50 and a list of rollbackAlarmNames');
  }
  if (s.monitoring !== null && s.monitoring !== undefined && !s.dataCapture)
    bad('monitoring', 'set', 'dataCapture (monitoring reads the captured requests)');
  return s as EndpointSpec;
}

/** The first model of an endpoint: the package's containers with the spec's role, VPC and isolation. */
export function planFirstModel(modelName: string, pkg: DescribeModelPackageOutput, spec: EndpointSpec): CreateModelInput {
  const containers = (pkg.InferenceSpecification?.Containers ?? []).map((c) => ({
    Image: c.Image,
    ModelDataUrl: c.ModelDataUrl,
    ...(c.Environment && Object.keys(c.Environment).length > 0 ? { Environment: c.Environment } : {}),
  }));
  if (containers.length === 0)
    throw new RolloutError(`Model package ${pkg.ModelPackageArn} has no inference containers; nothing to deploy.`);
  return {
    ModelName: modelName,
    ExecutionRoleArn: spec.executionRoleArn,
    ...(containers.length === 1 ? { PrimaryContainer: containers[0] } : { Containers: containers }),
    ...(spec.subnets.length > 0 ? { VpcConfig: { Subnets: [...spec.subnets], SecurityGroupIds: [...spec.securityGroupIds] } } : {}),
    EnableNetworkIsolation: spec.networkIsolation,
    Tags: [{ Key: PACKAGE_TAG, Value: pkg.ModelPackageArn! }],
  };
}

/** The first endpoint config: one production variant from the spec, KMS, data capture. */
export function planFirstEndpointConfig(
  name: string,
  modelName: string,
  packageArn: string,
  spec: EndpointSpec,
): CreateEndpointConfigInput {
  const variant = spec.serverless
    ? {
        VariantName: spec.variantName,
        ModelName: modelName,
        ServerlessConfig: { MemorySizeInMB: spec.serverless.memorySizeMb, MaxConcurrency: spec.serverless.maxConcurrency },
      }
    : {
        VariantName: spec.variantName,
        ModelName: modelName,
        InstanceType: spec.instances!.instanceType as never,
        InitialInstanceCount: spec.instances!.initialInstanceCount,
        InitialVariantWeight: 1,
      };
  return {
    EndpointConfigName: name,
    ProductionVariants: [variant],
    // SageMaker rejects a KMS key for serverless variants (they have no volumes).
    ...(spec.serverless ? {} : { KmsKeyId: spec.kmsKeyArn }),
    ...(spec.dataCapture
      ? {
          DataCaptureConfig: {
            EnableCapture: true,
            InitialSamplingPercentage: spec.dataCapture.samplingPercentage,
            DestinationS3Uri: spec.dataCapture.destinationS3Uri,
            KmsKeyId: spec.kmsKeyArn,
            CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
            CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'], JsonContentTypes: ['application/json'] },
          },
        }
      : {}),
    Tags: [{ Key: PACKAGE_TAG, Value: packageArn }],
  };
}

/** The endpoint, with the spec's blue/green guardrails (updates later retain them). */
export function planEndpoint(configName: string, spec: EndpointSpec): CreateEndpointInput {
  const g = spec.guardrails;
  return {
    EndpointName: spec.endpointName,
    EndpointConfigName: configName,
    ...(g
      ? {
          DeploymentConfig: {
            BlueGreenUpdatePolicy: {
              TrafficRoutingConfiguration: {
                Type: 'CANARY',
                CanarySize: { Type: 'CAPACITY_PERCENT', Value: g.canaryPercent },
                WaitIntervalInSeconds: g.canaryWaitSeconds,
              },
              TerminationWaitInSeconds: g.terminationWaitSeconds,
              MaximumExecutionTimeoutInSeconds: g.maximumExecutionTimeoutSeconds,
            },
            AutoRollbackConfiguration: { Alarms: g.rollbackAlarmNames.map((AlarmName) => ({ AlarmName })) },
          },
        }
      : {}),
  };
}

/** The data-quality job definition and schedule of a monitored endpoint (names derive from the schedule). */
export function planMonitoring(
  spec: EndpointSpec,
  definitionName: string,
): { definition: CreateDataQualityJobDefinitionRequest; schedule: CreateMonitoringScheduleRequest } | undefined {
  const m = spec.monitoring;
  if (!m) return undefined;
  return {
    definition: {
      JobDefinitionName: definitionName,
      RoleArn: m.roleArn,
      DataQualityAppSpecification: { ImageUri: m.analyzerImageUri, Environment: { publish_cloudwatch_metrics: 'Enabled' } },
      DataQualityBaselineConfig: {
        StatisticsResource: { S3Uri: `${m.baselineS3Uri}/statistics.json` },
        ConstraintsResource: { S3Uri: `${m.baselineS3Uri}/constraints.json` },
      },
      DataQualityJobInput: {
        EndpointInput: {
          EndpointName: spec.endpointName,
          LocalPath: '/opt/ml/processing/input/endpoint',
          S3InputMode: 'File',
          S3DataDistributionType: 'FullyReplicated',
        },
      },
      DataQualityJobOutputConfig: {
        KmsKeyId: spec.kmsKeyArn,
        MonitoringOutputs: [{ S3Output: { S3Uri: m.reportsS3Uri, LocalPath: '/opt/ml/processing/output', S3UploadMode: 'EndOfJob' } }],
      },
      JobResources: {
        ClusterConfig: { InstanceCount: 1, InstanceType: m.instanceType as never, VolumeSizeInGB: 20, VolumeKmsKeyId: spec.kmsKeyArn },
      },
      NetworkConfig: {
        EnableNetworkIsolation: true,
        EnableInterContainerTrafficEncryption: true,
        ...(m.subnets.length > 0 ? { VpcConfig: { Subnets: [...m.subnets], SecurityGroupIds: [...m.securityGroupIds] } } : {}),
      },
      StoppingCondition: { MaxRuntimeInSeconds: m.maxRuntimeSeconds },
    },
    schedule: {
      MonitoringScheduleName: m.scheduleName,
      MonitoringScheduleConfig: {
        MonitoringJobDefinitionName: definitionName,
        MonitoringType: 'DataQuality',
        ScheduleConfig: { ScheduleExpression: m.scheduleExpression },
      },
    },
  };
}
