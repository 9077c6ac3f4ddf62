import { BROKER_INSTANCE_TYPES, EMR_RELEASE_LABEL, KAFKA_VERSION, WORKER_MEMORY_GIB } from '../../constructs';
import type { Problems } from '../config/problems';
import { type EnvironmentConfig, LAKE_ZONE_NAMES, MSK_MONITORING_LEVELS, type SparkConfig, type StreamingConfig } from '../config/types';

const TOPIC_PATTERN = /^[A-Za-z0-9._*?-]{1,249}$/;

/** Account-level default quota of EMR Serverless vCPUs; larger maxima need a quota increase first. */
const MAX_SPARK_VCPU = 2000;

export function checkData(c: EnvironmentConfig, p: Problems): void {
  checkLake(c, p);
  checkStreaming(c, c.streaming, p);
  checkSpark(c.spark, p);
}

function checkLake(c: EnvironmentConfig, p: Problems): void {
  for (const zone of LAKE_ZONE_NAMES) {
    const l = c.lake.lifecycle[zone];
    const f = (name: string) => `lake.lifecycle.${zone}.${name}`;
    if (!p.check(l !== undefined, `lake.lifecycle.${zone}`, l, 'is missing; every zone needs a lifecycle')) continue;
    const ia = l.infrequentAccessAfterDays;
    const archive = l.archiveAfterDays;
    const expire = l.expireAfterDays;
    const okIa =
      p.integer(f('infrequentAccessAfterDays'), ia, 0, 3650) &&
      p.check(
        ia === 0 || ia >= 30,
        f('infrequentAccessAfterDays'),
        ia,
        'is not allowed; S3 moves objects to Standard-IA after 30 days at the earliest (or 0 for never)',
      );
    const okArchive = p.integer(f('archiveAfterDays'), archive, 0, 3650);
    const okExpire = p.integer(f('expireAfterDays'), expire, 0, 36500);
    p.integer(f('noncurrentVersionExpirationDays'), l.noncurrentVersionExpirationDays, 1, 3650);
    if (okIa && okArchive && ia > 0 && archive > 0) {
      p.check(archive >= ia + 30, f('archiveAfterDays'), archive, `must be at least 30 days after infrequentAccessAfterDays (${ia})`);
    }
    if (okIa && okArchive && okExpire && expire > 0) {
      const last = Math.max(ia, archive);
      p.check(expire > last, f('expireAfterDays'), expire, `must be later than the last transition (day ${last})`);
    }
  }
  if (c.name !== 'dev') {
    // Models and curated data in staging and prod are the audit trail of credit decisions.
    for (const zone of ['curated', 'models'] as const) {
      const expire = c.lake.lifecycle[zone]?.expireAfterDays;
      p.check(expire === 0, `lake.lifecycle.${zone}.expireAfterDays`, expire, `is not allowed; ${c.name} keeps ${zone} data (expected 0)`);
    }
  }
  p.check(
    typeof c.lake.encryptCatalog === 'boolean',
    'lake.encryptCatalog',
    c.lake.encryptCatalog,
    'is not allowed; expected true or false',
  );
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

function checkSpark(s: SparkConfig, p: Problems): void {
  p.matches('spark.releaseLabel', s.releaseLabel, EMR_RELEASE_LABEL, 'an EMR release label like emr-7.9.0');
  p.oneOf('spark.architecture', s.architecture, ['ARM64', 'X86_64']);
  const w = s.worker;
  if (p.oneOf('spark.worker.cpu', w.cpu, [1, 2, 4, 8, 16])) {
    const { min, max } = WORKER_MEMORY_GIB[w.cpu];
    p.check(
      Number.isInteger(w.memoryGiB) && w.memoryGiB >= min && w.memoryGiB <= max,
      'spark.worker.memoryGiB',
      w.memoryGiB,
      `is not allowed; a ${w.cpu}-vCPU worker takes ${min} to ${max} GiB`,
    );
  }
  p.integer('spark.worker.diskGiB', w.diskGiB, 20, 200);
  const okDrivers = p.integer('spark.initialDrivers', s.initialDrivers, 0, 100);
  const okExecutors = p.integer('spark.initialExecutors', s.initialExecutors, 0, 1000);
  if (okDrivers && okExecutors) {
    p.check(
      s.initialExecutors === 0 || s.initialDrivers > 0,
      'spark.initialDrivers',
      s.initialDrivers,
      `is not allowed; ${s.initialExecutors} initial executors need at least one initial driver`,
    );
  }
  const m = s.maximumCapacity;
  const okCpu = p.integer('spark.maximumCapacity.cpu', m.cpu, 1, MAX_SPARK_VCPU);
  const okMem = p.integer('spark.maximumCapacity.memoryGiB', m.memoryGiB, 1, MAX_SPARK_VCPU * 8);
  const okDisk = p.integer('spark.maximumCapacity.diskGiB', m.diskGiB, 20, MAX_SPARK_VCPU * 200);
  if (okDrivers && okExecutors) {
    const workers = Math.max(1, s.initialDrivers + s.initialExecutors);
    const fits: Array<[boolean, string, number, number]> = [
      [okCpu, 'cpu', m.cpu, w.cpu],
      [okMem, 'memoryGiB', m.memoryGiB, w.memoryGiB],
      [okDisk, 'diskGiB', m.diskGiB, w.diskGiB],
    ];
    for (const [ok, field, value, per] of fits) {
      if (!ok) continue;
      p.check(
        value >= workers * per,
        `spark.maximumCapacity.${field}`,
        value,
        `is too small for the initial capacity: ${workers} worker(s) x ${per} = ${workers * per}`,
      );
    }
  }
  p.integer('spark.idleTimeoutMinutes', s.idleTimeoutMinutes, 1, 10080);
  p.matches(
    'spark.consumeTopicPattern',
    s.consumeTopicPattern,
    TOPIC_PATTERN,
    "a Kafka topic pattern of letters, digits, '.', '_', '-', '*' and '?'",
  );
  p.matches(
    'spark.consumerGroupPattern',
    s.consumerGroupPattern,
    TOPIC_PATTERN,
    "a consumer group pattern of letters, digits, '.', '_', '-', '*' and '?'",
  );
}
