import { WEEKLY_MAINTENANCE_WINDOW } from '../../constructs/core/patterns';
import { SAGEMAKER_NAME_PATTERN } from '../../constructs/serving/names';
import type { Problems } from '../config/problems';
import type { EnvironmentConfig, ServingEndpointConfig } from '../config/types';

/** SageMaker resource names (model package groups, endpoints, schedules): the constructs' pattern. */
export const SAGEMAKER_NAME = SAGEMAKER_NAME_PATTERN;
/** Endpoint names in config: lowercase words joined by single hyphens (a subset of SageMaker names). */
export const ENDPOINT_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** SageMaker hosting and processing instance types: `ml.<family>.<size>`. */
export const ML_INSTANCE_TYPE = /^ml\.[a-z0-9-]+\.[a-z0-9]+$/;
/** Weekly maintenance window start of the MLflow server, UTC. */
const MAINTENANCE_WINDOW = WEEKLY_MAINTENANCE_WINDOW;
/** A CloudWatch metric-name-safe feature name (the drift metric is `feature_baseline_drift_<feature>`). */
const FEATURE_NAME = /^[A-Za-z0-9_.-]{1,200}$/;
/** Serverless memory sizes SageMaker accepts. */
export const SERVERLESS_MEMORY_MB: readonly number[] = [1024, 2048, 3072, 4096, 5120, 6144];
/** Environments that must roll out with deployment guardrails. */
const GUARDED = new Set<EnvironmentConfig['name']>(['staging', 'prod']);
/** The longest physical name suffix we append to an endpoint name (`-data-quality`). */
const LONGEST_SUFFIX = '-data-quality';

/** Rules of the `serving` section: registry, MLflow and endpoints. */
export function checkServing(c: EnvironmentConfig, p: Problems): void {
  if (!p.section('serving', c.serving)) return;
  const s = c.serving;

  // Registry: model package groups are named `<env>-<model>`.
  const modelNames = new Set<string>();
  s.models.forEach((m, i) => {
    const field = `serving.models[${i}].name`;
    if (
      p.matches(
        field,
        m.name,
        SAGEMAKER_NAME,
        'a SageMaker name: letters, digits and single or repeated hyphens, not starting or ending with a hyphen, at most 63 characters',
      )
    ) {
      p.check(
        `${c.name}-${m.name}`.length <= 63,
        field,
        m.name,
        `is too long; the model package group '${c.name}-${m.name}' must have at most 63 characters`,
      );
    }
    p.check(!modelNames.has(m.name), field, m.name, 'is declared twice; model names must be unique');
    modelNames.add(m.name);
    p.check(
      typeof m.description === 'string' && m.description.length >= 1 && m.description.length <= 1024,
      `serving.models[${i}].description`,
      m.description,
      'is not allowed; expected 1 to 1024 characters',
    );
  });

  // MLflow.
  p.oneOf('serving.mlflow.kind', s.mlflow.kind, ['app', 'trackingServer'] as const);
  p.oneOf('serving.mlflow.size', s.mlflow.size, ['Small', 'Medium', 'Large'] as const);
  p.matches(
    'serving.mlflow.weeklyMaintenanceWindowStart',
    s.mlflow.weeklyMaintenanceWindowStart,
    MAINTENANCE_WINDOW,
    'Ddd:HH:MM in UTC, e.g. Sun:02:00',
  );

  // Endpoints.
  const endpointNames = new Set<string>();
  s.endpoints.forEach((e, i) => {
    const at = `serving.endpoints[${i}]`;
    // Lowercase words joined by single hyphens: the endpoint's construct id is the PascalCase of it.
    if (
      p.matches(`${at}.name`, e.name, ENDPOINT_NAME, 'lowercase letters and digits in words joined by single hyphens, e.g. credit-risk')
    ) {
      const longest = `${c.name}-${e.name}${LONGEST_SUFFIX}`;
      p.check(
        longest.length <= 63,
        `${at}.name`,
        e.name,
        `is too long; the monitoring schedule '${longest}' must have at most 63 characters (endpoint names of up to ${63 - c.name.length - 1 - LONGEST_SUFFIX.length} characters fit)`,
      );
    }
    p.check(!endpointNames.has(e.name), `${at}.name`, e.name, 'is declared twice; endpoint names must be unique');
    endpointNames.add(e.name);
    p.check(
      modelNames.has(e.model),
      `${at}.model`,
      e.model,
      `is not a registered model; expected one of serving.models: ${[...modelNames].map((n) => `'${n}'`).join(', ') || 'none declared'}`,
    );
    p.integer(`${at}.dataCaptureSamplingPercent`, e.dataCaptureSamplingPercent, 0, 100);
    p.integer(`${at}.targetInvocationsPerInstance`, e.targetInvocationsPerInstance, 1, 100000);
    checkCapacity(c, p, at, e);
    checkRollout(c, p, at, e);
    p.number(`${at}.alarms.latencyP99Ms`, e.alarms.latencyP99Ms, 1, 60000);
    p.integer(`${at}.alarms.errors5xxPerMinute`, e.alarms.errors5xxPerMinute, 1, 100000);
    checkMonitoring(p, at, e);
  });
}

function checkCapacity(c: EnvironmentConfig, p: Problems, at: string, e: ServingEndpointConfig): void {
  if (e.serverless) {
    p.check(
      c.name === 'dev',
      `${at}.serverless`,
      e.serverless,
      `is not allowed in ${c.name}; serverless inference has no VPC, data capture or deployment guardrails and is allowed in dev only`,
    );
    p.oneOf(`${at}.serverless.memorySizeMb`, e.serverless.memorySizeMb, SERVERLESS_MEMORY_MB);
    p.integer(`${at}.serverless.maxConcurrency`, e.serverless.maxConcurrency, 1, 200);
    return;
  }
  p.matches(`${at}.instanceType`, e.instanceType, ML_INSTANCE_TYPE, "a SageMaker instance type 'ml.<family>.<size>', e.g. ml.m5.large");
  const minOk = p.integer(`${at}.minInstances`, e.minInstances, 1, 100);
  const maxOk = p.integer(`${at}.maxInstances`, e.maxInstances, 1, 100);
  const initialOk = p.integer(`${at}.initialInstanceCount`, e.initialInstanceCount, 1, 100);
  if (minOk && maxOk) {
    p.check(e.minInstances <= e.maxInstances, `${at}.minInstances`, e.minInstances, `must not exceed maxInstances (${e.maxInstances})`);
  }
  if (minOk && maxOk && initialOk) {
    p.check(
      e.initialInstanceCount >= e.minInstances && e.initialInstanceCount <= e.maxInstances,
      `${at}.initialInstanceCount`,
      e.initialInstanceCount,
      `is not allowed; expected a count from minInstances (${e.minInstances}) to maxInstances (${e.maxInstances})`,
    );
  }
  if (c.name === 'prod') {
    // One instance is one AZ: SageMaker spreads instances across AZs only when there are several.
    p.check(
      e.minInstances >= 2,
      `${at}.minInstances`,
      e.minInstances,
      'is not allowed; prod endpoints never run on a single instance (at least 2, spread across AZs)',
    );
  }
}

function checkRollout(c: EnvironmentConfig, p: Problems, at: string, e: ServingEndpointConfig): void {
  const r = e.rollout;
  if (GUARDED.has(c.name)) {
    p.check(
      r.guardrails === true,
      `${at}.rollout.guardrails`,
      r.guardrails,
      `is not allowed; ${c.name} endpoints roll out blue/green with canary and automatic rollback`,
    );
  }
  if (e.serverless && r.guardrails) {
    p.add(
      `${at}.rollout.guardrails`,
      r.guardrails,
      'is not allowed with serverless; a serverless endpoint has no instance fleet to canary',
    );
  }
  p.integer(`${at}.rollout.canaryPercent`, r.canaryPercent, 1, 50);
  p.integer(`${at}.rollout.canaryWaitMinutes`, r.canaryWaitMinutes, 1, 60);
  p.integer(`${at}.rollout.terminationWaitMinutes`, r.terminationWaitMinutes, 0, 60);
}

function checkMonitoring(p: Problems, at: string, e: ServingEndpointConfig): void {
  const m = e.monitoring;
  if (e.serverless) return; // serverless endpoints cannot capture data: nothing to monitor.
  p.check(
    e.dataCaptureSamplingPercent >= 1,
    `${at}.dataCaptureSamplingPercent`,
    e.dataCaptureSamplingPercent,
    'is not allowed; the data-quality monitor needs captured requests (at least 1 %)',
  );
  p.oneOf(`${at}.monitoring.schedule`, m.schedule, ['hourly', 'daily'] as const);
  p.matches(
    `${at}.monitoring.instanceType`,
    m.instanceType,
    ML_INSTANCE_TYPE,
    "a SageMaker instance type 'ml.<family>.<size>', e.g. ml.m5.large",
  );
  p.check(
    m.driftFeatures.length >= 1 && m.driftFeatures.length <= 10,
    `${at}.monitoring.driftFeatures`,
    m.driftFeatures,
    `has ${m.driftFeatures.length} features; expected 1 to 10 (one CloudWatch alarm holds at most 10 metrics)`,
  );
  m.driftFeatures.forEach((f, j) => {
    p.matches(`${at}.monitoring.driftFeatures[${j}]`, f, FEATURE_NAME, 'a feature name of letters, digits and _.- (1 to 200 characters)');
  });
  p.check(
    new Set(m.driftFeatures).size === m.driftFeatures.length,
    `${at}.monitoring.driftFeatures`,
    m.driftFeatures,
    'lists a feature twice',
  );
  p.check(
    typeof m.driftThreshold === 'number' && m.driftThreshold > 0 && m.driftThreshold <= 1,
    `${at}.monitoring.driftThreshold`,
    m.driftThreshold,
    'is not allowed; expected a drift distance greater than 0 and at most 1',
  );
}
