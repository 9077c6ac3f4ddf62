import { EMR_RELEASE_LABEL, WORKER_MEMORY_GIB } from '../../constructs';
import type { Problems } from '../config/problems';
import type { EnvironmentConfig } from '../config/types';
import { LAKE_ZONE_NAMES, type SparkConfig } from './config';

const TOPIC_PATTERN = /^[A-Za-z0-9._*?-]{1,249}$/;

/** Account-level default quota of EMR Serverless vCPUs; larger maxima need a quota increase first. */
const MAX_SPARK_VCPU = 2000;

/** Rules of the `lake` and `spark` sections. */
export function checkData(c: EnvironmentConfig, p: Problems): void {
  if (p.section('lake', c.lake)) checkLake(c, p);
  if (p.section('spark', c.spark)) checkSpark(c.spark, p);
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
