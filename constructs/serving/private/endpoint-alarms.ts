import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

/** Alarm thresholds of an endpoint's production variant. */
export interface EndpointAlarmThresholdsLike {
  /** @default 500 ms */
  readonly latencyP99?: Duration;
  /** @default 5 */
  readonly errors5xxPerMinute?: number;
}

/**
 * The two alarms of an endpoint's variant, by the endpoint's physical name (not a reference, so an
 * endpoint may refer to them): p99 ModelLatency above the threshold for 3 minutes, and 5xx
 * invocation errors at or above the threshold per minute in 2 of 3 minutes. Ids `LatencyAlarm` and
 * `ErrorsAlarm` under `scope`. One implementation for CloudFormation-owned endpoints (ModelEndpoint)
 * and tooling-owned ones (EndpointSpec).
 */
export function endpointAlarms(
  scope: Construct,
  endpointName: string,
  variantName: string,
  thresholds: EndpointAlarmThresholdsLike = {},
): { readonly latencyAlarm: cloudwatch.Alarm; readonly errorsAlarm: cloudwatch.Alarm } {
  const dimensionsMap = { EndpointName: endpointName, VariantName: variantName };
  const latencyP99 = thresholds.latencyP99 ?? Duration.millis(500);
  const latencyAlarm = new cloudwatch.Alarm(scope, 'LatencyAlarm', {
    alarmDescription: `${endpointName}: p99 model latency above ${latencyP99.toMilliseconds()} ms for 3 minutes`,
    metric: new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName: 'ModelLatency', // microseconds
      dimensionsMap,
      statistic: 'p99',
      period: Duration.minutes(1),
    }),
    threshold: latencyP99.toMilliseconds() * 1000,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const errors = thresholds.errors5xxPerMinute ?? 5;
  const errorsAlarm = new cloudwatch.Alarm(scope, 'ErrorsAlarm', {
    alarmDescription: `${endpointName}: ${errors} or more 5xx invocation errors per minute in 2 of 3 minutes`,
    metric: new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName: 'Invocation5XXErrors',
      dimensionsMap,
      statistic: 'Sum',
      period: Duration.minutes(1),
    }),
    threshold: errors,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  return { latencyAlarm, errorsAlarm };
}
