import { ENVIRONMENTS, validate } from '../../lib/config';
import { configWith, environmentsWith } from '../util';

type Env = 'dev' | 'staging' | 'prod';

/** Problems reported when one environment is changed. */
function problemsOf(name: Env, change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

/** The first (example) endpoint of a config under change. */
const ep = (c: any) => c.serving.endpoints[0];

describe('committed serving configuration', () => {
  test('every environment registers models and has an example endpoint', () => {
    // THEN
    for (const env of ['dev', 'staging', 'prod'] as const) {
      expect(ENVIRONMENTS[env].serving.models.map((m) => m.name)).toEqual(['credit-risk', 'fraud']);
      expect(ENVIRONMENTS[env].serving.endpoints.map((e) => e.name)).toEqual(['credit-risk']);
    }
  });

  test('dev is cheap, staging and prod are guarded, prod is multi-instance', () => {
    // GIVEN
    const dev = ENVIRONMENTS.dev.serving.endpoints[0];
    const prod = ENVIRONMENTS.prod.serving.endpoints[0];
    // THEN
    expect(dev.rollout.guardrails).toBe(false);
    expect(dev.maxInstances).toBeLessThanOrEqual(2);
    expect(ENVIRONMENTS.staging.serving.endpoints[0].rollout.guardrails).toBe(true);
    expect(prod.rollout.guardrails).toBe(true);
    expect(prod.minInstances).toBeGreaterThanOrEqual(2);
    expect(prod.serverless).toBeUndefined();
  });
});

describe('serving rules', () => {
  const cases: Array<[string, Env, (c: any) => void, string]> = [
    // Registry.
    [
      'model name with an underscore',
      'dev',
      (c) => (c.serving.models[0].name = 'credit_risk'),
      "dev.serving.models[0].name: 'credit_risk' is not allowed; expected a SageMaker name",
    ],
    [
      'model name starting with a hyphen',
      'prod',
      (c) => (c.serving.models[1].name = '-fraud'),
      "prod.serving.models[1].name: '-fraud' is not allowed",
    ],
    [
      'model group name too long with the env prefix',
      'staging',
      (c) => (c.serving.models[1].name = 'a'.repeat(60)),
      `is too long; the model package group 'staging-${'a'.repeat(60)}' must have at most 63 characters`,
    ],
    [
      'duplicate model',
      'dev',
      (c) => (c.serving.models[1].name = 'credit-risk'),
      "dev.serving.models[1].name: 'credit-risk' is declared twice; model names must be unique",
    ],
    [
      'empty model description',
      'dev',
      (c) => (c.serving.models[0].description = ''),
      "dev.serving.models[0].description: '' is not allowed",
    ],
    // MLflow.
    [
      'unknown MLflow size',
      'prod',
      (c) => (c.serving.mlflow.size = 'XLarge'),
      "prod.serving.mlflow.size: 'XLarge' is not allowed; expected one of 'Small', 'Medium', 'Large'",
    ],
    [
      'bad maintenance window',
      'dev',
      (c) => (c.serving.mlflow.weeklyMaintenanceWindowStart = 'Sunday 2am'),
      "dev.serving.mlflow.weeklyMaintenanceWindowStart: 'Sunday 2am' is not allowed; expected Ddd:HH:MM",
    ],
    // Endpoint identity.
    [
      'endpoint name with uppercase',
      'dev',
      (c) => (ep(c).name = 'CreditRisk'),
      "dev.serving.endpoints[0].name: 'CreditRisk' is not allowed; expected lowercase letters and digits in words joined by single hyphens",
    ],
    [
      'endpoint name with a double hyphen',
      'dev',
      (c) => (ep(c).name = 'credit--risk'),
      "dev.serving.endpoints[0].name: 'credit--risk' is not allowed",
    ],
    [
      'endpoint name too long for the schedule name',
      'staging',
      (c) => (ep(c).name = 'x'.repeat(45)),
      `is too long; the monitoring schedule 'staging-${'x'.repeat(45)}-data-quality' must have at most 63 characters`,
    ],
    [
      'duplicate endpoint',
      'dev',
      (c) => c.serving.endpoints.push({ ...ep(c) }),
      "dev.serving.endpoints[1].name: 'credit-risk' is declared twice; endpoint names must be unique",
    ],
    [
      'endpoint of an unregistered model',
      'prod',
      (c) => (ep(c).model = 'churn'),
      "prod.serving.endpoints[0].model: 'churn' is not a registered model; expected one of serving.models: 'credit-risk', 'fraud'",
    ],
    [
      'an MLflow kind that does not exist',
      'dev',
      (c) => (c.serving.mlflow.kind = 'serverless'),
      "dev.serving.mlflow.kind: 'serverless' is not allowed; expected one of 'app', 'trackingServer'",
    ],
    // Capacity.
    [
      'instance type without ml. prefix',
      'staging',
      (c) => (ep(c).instanceType = 'm5.xlarge'),
      "staging.serving.endpoints[0].instanceType: 'm5.xlarge' is not allowed; expected a SageMaker instance type 'ml.<family>.<size>'",
    ],
    [
      'min above max',
      'staging',
      (c) => {
        ep(c).minInstances = 4;
        ep(c).maxInstances = 3;
        ep(c).initialInstanceCount = 3;
      },
      'staging.serving.endpoints[0].minInstances: 4 must not exceed maxInstances (3)',
    ],
    [
      'initial count outside min..max',
      'prod',
      (c) => (ep(c).initialInstanceCount = 20),
      'prod.serving.endpoints[0].initialInstanceCount: 20 is not allowed; expected a count from minInstances (3) to maxInstances (12)',
    ],
    [
      'zero instances',
      'dev',
      (c) => (ep(c).minInstances = 0),
      'dev.serving.endpoints[0].minInstances: 0 is not allowed; expected a whole number from 1 to 100',
    ],
    [
      'prod on a single instance',
      'prod',
      (c) => {
        ep(c).minInstances = 1;
        ep(c).initialInstanceCount = 1;
      },
      'prod.serving.endpoints[0].minInstances: 1 is not allowed; prod endpoints never run on a single instance',
    ],
    [
      'prod serverless',
      'prod',
      (c) => (ep(c).serverless = { memorySizeMb: 2048, maxConcurrency: 10 }),
      'prod.serving.endpoints[0].serverless: {"memorySizeMb":2048,"maxConcurrency":10} is not allowed in prod; serverless inference',
    ],
    ['staging serverless', 'staging', (c) => (ep(c).serverless = { memorySizeMb: 2048, maxConcurrency: 10 }), 'is not allowed in staging'],
    [
      'serverless memory not a multiple of 1 GB',
      'dev',
      (c) => (ep(c).serverless = { memorySizeMb: 1500, maxConcurrency: 10 }),
      'dev.serving.endpoints[0].serverless.memorySizeMb: 1500 is not allowed; expected one of 1024, 2048',
    ],
    [
      'serverless concurrency too high',
      'dev',
      (c) => (ep(c).serverless = { memorySizeMb: 2048, maxConcurrency: 500 }),
      'dev.serving.endpoints[0].serverless.maxConcurrency: 500 is not allowed; expected a whole number from 1 to 200',
    ],
    [
      'serverless with guardrails',
      'dev',
      (c) => {
        ep(c).serverless = { memorySizeMb: 2048, maxConcurrency: 10 };
        ep(c).rollout.guardrails = true;
      },
      'dev.serving.endpoints[0].rollout.guardrails: true is not allowed with serverless',
    ],
    [
      'target invocations of zero',
      'dev',
      (c) => (ep(c).targetInvocationsPerInstance = 0),
      'dev.serving.endpoints[0].targetInvocationsPerInstance: 0 is not allowed',
    ],
    // Capture and rollout.
    [
      'sampling above 100',
      'staging',
      (c) => (ep(c).dataCaptureSamplingPercent = 120),
      'staging.serving.endpoints[0].dataCaptureSamplingPercent: 120 is not allowed; expected a whole number from 0 to 100',
    ],
    [
      'negative sampling',
      'dev',
      (c) => (ep(c).dataCaptureSamplingPercent = -1),
      'dev.serving.endpoints[0].dataCaptureSamplingPercent: -1 is not allowed',
    ],
    [
      'monitored endpoint capturing nothing',
      'prod',
      (c) => (ep(c).dataCaptureSamplingPercent = 0),
      'prod.serving.endpoints[0].dataCaptureSamplingPercent: 0 is not allowed; the data-quality monitor needs captured requests',
    ],
    [
      'canary of 0 %',
      'prod',
      (c) => (ep(c).rollout.canaryPercent = 0),
      'prod.serving.endpoints[0].rollout.canaryPercent: 0 is not allowed; expected a whole number from 1 to 50',
    ],
    [
      'canary above 50 %',
      'staging',
      (c) => (ep(c).rollout.canaryPercent = 60),
      'staging.serving.endpoints[0].rollout.canaryPercent: 60 is not allowed',
    ],
    [
      'canary wait of 2 hours',
      'prod',
      (c) => (ep(c).rollout.canaryWaitMinutes = 120),
      'prod.serving.endpoints[0].rollout.canaryWaitMinutes: 120 is not allowed',
    ],
    [
      'termination wait above an hour',
      'prod',
      (c) => (ep(c).rollout.terminationWaitMinutes = 61),
      'prod.serving.endpoints[0].rollout.terminationWaitMinutes: 61 is not allowed',
    ],
    [
      'prod without guardrails',
      'prod',
      (c) => (ep(c).rollout.guardrails = false),
      'prod.serving.endpoints[0].rollout.guardrails: false is not allowed; prod endpoints roll out blue/green with canary and automatic rollback',
    ],
    [
      'staging without guardrails',
      'staging',
      (c) => (ep(c).rollout.guardrails = false),
      'staging.serving.endpoints[0].rollout.guardrails: false is not allowed',
    ],
    // Alarms.
    [
      'latency threshold of 0',
      'dev',
      (c) => (ep(c).alarms.latencyP99Ms = 0),
      'dev.serving.endpoints[0].alarms.latencyP99Ms: 0 is not allowed',
    ],
    [
      'fractional error threshold',
      'dev',
      (c) => (ep(c).alarms.errors5xxPerMinute = 0.5),
      'dev.serving.endpoints[0].alarms.errors5xxPerMinute: 0.5 is not allowed',
    ],
    // Monitoring.
    [
      'unknown schedule',
      'dev',
      (c) => (ep(c).monitoring.schedule = 'weekly'),
      "dev.serving.endpoints[0].monitoring.schedule: 'weekly' is not allowed; expected one of 'hourly', 'daily'",
    ],
    [
      'monitoring instance type without ml.',
      'prod',
      (c) => (ep(c).monitoring.instanceType = 'c5.xlarge'),
      "prod.serving.endpoints[0].monitoring.instanceType: 'c5.xlarge' is not allowed",
    ],
    [
      'no drift features',
      'dev',
      (c) => (ep(c).monitoring.driftFeatures = []),
      'dev.serving.endpoints[0].monitoring.driftFeatures: [] has 0 features; expected 1 to 10',
    ],
    [
      'eleven drift features',
      'dev',
      (c) => (ep(c).monitoring.driftFeatures = Array.from({ length: 11 }, (_, i) => `f${i}`)),
      'has 11 features; expected 1 to 10',
    ],
    [
      'drift feature with a space',
      'dev',
      (c) => (ep(c).monitoring.driftFeatures = ['annual income']),
      "dev.serving.endpoints[0].monitoring.driftFeatures[0]: 'annual income' is not allowed",
    ],
    ['duplicate drift feature', 'dev', (c) => (ep(c).monitoring.driftFeatures = ['a', 'a']), 'lists a feature twice'],
    [
      'drift threshold above 1',
      'staging',
      (c) => (ep(c).monitoring.driftThreshold = 1.5),
      'staging.serving.endpoints[0].monitoring.driftThreshold: 1.5 is not allowed; expected a drift distance greater than 0 and at most 1',
    ],
  ];

  test.each(cases)('%s', (_title, env, change, message) => {
    // WHEN
    const problems = problemsOf(env, change);
    // THEN
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  test('a serverless dev endpoint is valid and is not monitored', () => {
    // GIVEN / WHEN
    const problems = problemsOf('dev', (c) => {
      ep(c).serverless = { memorySizeMb: 2048, maxConcurrency: 5 };
      ep(c).dataCaptureSamplingPercent = 0;
      ep(c).monitoring.driftFeatures = [];
    });
    // THEN
    expect(problems).toEqual([]);
  });

  test('every problem of an endpoint is reported at once, one line each', () => {
    // GIVEN / WHEN
    const problems = problemsOf('prod', (c) => {
      ep(c).instanceType = 'c5.large';
      ep(c).rollout.canaryPercent = 75;
      ep(c).dataCaptureSamplingPercent = 101;
    });
    // THEN
    expect(problems).toHaveLength(3);
    for (const line of problems) expect(line).toMatch(/^prod\.serving\.endpoints\[0\]\.\w+/);
  });
});
