import { BROKER_INSTANCE_TYPES, KAFKA_VERSION } from '../../constructs';
import type { Problems } from '../config/problems';
import type { EnvironmentConfig } from '../config/types';
import { MSK_MONITORING_LEVELS, type StreamingConfig } from './config';

/** Rules of the `streaming` section: the MSK cluster. */
export function checkStreamingSection(c: EnvironmentConfig, p: Problems): void {
  if (p.section('streaming', c.streaming)) checkStreaming(c, c.streaming, p);
}

function checkStreaming(c: EnvironmentConfig, s: StreamingConfig, p: Problems): void {
  if (!p.oneOf('streaming.mode', s.mode, ['provisioned', 'serverless'])) return;
  if (s.mode === 'serverless') {
    p.check(
      c.name === 'dev',
      'streaming.mode',
      s.mode,
      `is not allowed in ${c.name}; MSK Serverless is for dev, ${c.name} needs a provisioned cluster`,
    );
    return;
  }
  const azs = c.availabilityZones.length;
  p.matches('streaming.kafkaVersion', s.kafkaVersion, KAFKA_VERSION, 'an MSK Kafka version like 3.8.x or 3.6.0');
  const express = typeof s.brokerInstanceType === 'string' && s.brokerInstanceType.startsWith('express.');
  const pattern = express ? BROKER_INSTANCE_TYPES.express : BROKER_INSTANCE_TYPES.standard;
  if (
    p.matches(
      'streaming.brokerInstanceType',
      s.brokerInstanceType,
      pattern,
      express
        ? 'an Express broker type express.m7g.<large|xlarge|2xlarge|4xlarge|8xlarge|12xlarge|16xlarge>'
        : 'an MSK broker type: kafka.t3.small, kafka.m5.<large..24xlarge>, kafka.m7g.<large..16xlarge> or express.m7g.<size>',
    )
  ) {
    if (c.name === 'prod') {
      p.check(
        s.brokerInstanceType !== 'kafka.t3.small',
        'streaming.brokerInstanceType',
        s.brokerInstanceType,
        'is not allowed in prod; kafka.t3.small is burstable and for dev only',
      );
    }
    if (express) {
      p.check(
        azs === 3,
        'streaming.brokerInstanceType',
        s.brokerInstanceType,
        `needs exactly 3 AZs (express brokers); ${c.name} has ${azs}`,
      );
    }
  }
  if (p.integer('streaming.brokerCount', s.brokerCount, 1, 60)) {
    p.check(s.brokerCount % azs === 0, 'streaming.brokerCount', s.brokerCount, `is not a multiple of the ${azs} AZs`);
    if (c.name !== 'dev') {
      p.check(
        s.brokerCount >= 3,
        'streaming.brokerCount',
        s.brokerCount,
        `is too small; ${c.name} needs at least 3 brokers (replication factor 3)`,
      );
    }
  }
  p.integer('streaming.volumeSizeGiB', s.volumeSizeGiB, 1, 16384);
  p.oneOf('streaming.monitoring', s.monitoring, MSK_MONITORING_LEVELS);
  if (p.integer('streaming.logRetentionHours', s.logRetentionHours, 1, 8760) && c.name === 'prod') {
    p.check(
      s.logRetentionHours >= 168,
      'streaming.logRetentionHours',
      s.logRetentionHours,
      'is too short; prod keeps events at least 168 hours (7 days) for replay',
    );
  }
}
