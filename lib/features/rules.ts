import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { eventTopicProblems, NO_MULTI_VPC_INSTANCE_TYPES } from '../../constructs';
import { featureViewProblems } from '../../jobs/features/definition';
import type { Problems } from '../config/problems';
import type { EnvironmentConfig } from '../config/types';
import { ARCHIVE_DELIVERIES, DEAD_LETTER_SCHEMA_FILE, DEAD_LETTER_SUFFIX, type FeaturesConfig, type TopicConfig } from './config';

/** Rules of the `features` section: views, topics (with their dead-letter topics), consumers. */
export function checkFeatures(c: EnvironmentConfig, p: Problems): void {
  if (!p.section('features', c.features)) return;
  const f: FeaturesConfig = c.features;

  // Views: the definition's own checks, one line each.
  f.views.forEach((view, i) => {
    for (const problem of featureViewProblems(view)) p.add(`features.views[${i}]`, view.name, `is not allowed: ${problem}`);
  });
  const viewNames = f.views.map((v) => v.name);
  viewNames.forEach((name, i) => {
    p.check(viewNames.indexOf(name) === i, `features.views[${i}].name`, name, 'is declared twice; view names must be unique');
  });

  const deliveryOk = p.check(
    (ARCHIVE_DELIVERIES as readonly string[]).includes(f.archiveDelivery),
    'features.archiveDelivery',
    f.archiveDelivery,
    `is not allowed; expected one of ${ARCHIVE_DELIVERIES.join(', ')}`,
  );
  const mskSource = deliveryOk && f.archiveDelivery === 'msk-source';

  // Topics: the construct's checks, on the topic and on its dead-letter topic.
  const topicNames = f.topics.map((t) => t.name);
  f.topics.forEach((t, i) => {
    const at = `features.topics[${i}]`;
    p.check(topicNames.indexOf(t.name) === i, `${at}.name`, t.name, 'is declared twice; topic names must be unique');
    const schemaPathOk = p.check(
      /^schemas\/topics\/[a-z0-9._-]+\.schema\.json$/.test(t.schemaFile),
      `${at}.schemaFile`,
      t.schemaFile,
      'is not allowed; expected a file schemas/topics/<name>.schema.json',
    );
    p.check(typeof t.archive === 'boolean', `${at}.archive`, t.archive, 'is not allowed; expected true or false');
    if (!p.integer(`${at}.retentionHours`, t.retentionHours, 1, 87_600)) return;
    for (const line of eventTopicProblems(topicOptions(t))) {
      const field = fieldOf(line);
      // The schema file is named as configured (the construct sees the resolved path).
      if (field === 'schemaFile') {
        if (schemaPathOk) p.add(`${at}.schemaFile`, t.schemaFile, allowedOf(line));
      } else p.add(`${at}.${field}`, valueIn(line), allowedOf(line));
    }
    if (p.integer(`${at}.deadLetter.retentionHours`, t.deadLetter?.retentionHours, 1, 87_600)) {
      for (const line of eventTopicProblems(deadLetterOptions(t))) {
        p.add(`${at}.deadLetter.${fieldOf(line)}`, valueIn(line), allowedOf(line));
      }
    }
    const s = c.streaming;
    if (s?.mode === 'provisioned' && Number.isInteger(s.brokerCount)) {
      p.check(
        t.replicationFactor <= s.brokerCount,
        `${at}.replicationFactor`,
        t.replicationFactor,
        `is not allowed; expected at most the ${s.brokerCount} brokers of streaming.brokerCount`,
      );
    }
    if (c.name !== 'dev') {
      p.check(
        t.replicationFactor === 3,
        `${at}.replicationFactor`,
        t.replicationFactor,
        `is not allowed; ${c.name} replicates topics 3 times`,
      );
    }
    if (t.archive === true && mskSource && s?.mode === 'serverless') {
      p.add(
        `${at}.archive`,
        true,
        "is not allowed with streaming.mode serverless and features.archiveDelivery 'msk-source'; the Firehose MSK source needs a provisioned cluster with multi-VPC connectivity: set features.archiveDelivery to 'pipe'",
      );
    }
    if (t.archive === true && mskSource && s?.mode === 'provisioned' && NO_MULTI_VPC_INSTANCE_TYPES.includes(s.brokerInstanceType)) {
      p.add(
        `${at}.archive`,
        true,
        `is not allowed with streaming.brokerInstanceType ${s.brokerInstanceType} and features.archiveDelivery 'msk-source'; MSK offers no multi-VPC connectivity there (the Firehose MSK source needs it): set features.archiveDelivery to 'pipe', or use kafka.m5.*, kafka.m7g.* or express.m7g.* brokers`,
      );
    }
  });

  // Every topic a stream view reads is declared.
  f.views.forEach((view, i) => {
    if (view.source.kind !== 'stream') return;
    p.check(
      topicNames.includes(view.source.topic),
      `features.views[${i}].source.topic`,
      view.source.topic,
      `is not declared in features.topics; declared: ${topicNames.join(', ') || 'none'}`,
    );
  });

  const k = f.consumer;
  if (!p.section('features.consumer', k)) return;
  p.matches(
    'features.consumer.namespace',
    k.namespace,
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'a Kubernetes namespace name (DNS-1123 label)',
  );
  p.integer('features.consumer.replicas', k.replicas, 1, 100);
  p.number('features.consumer.cpu', k.cpu, 0.1, 16);
  p.integer('features.consumer.memoryMiB', k.memoryMiB, 128, 65_536);
  p.matches(
    'features.consumer.baseImage',
    k.baseImage,
    /^[a-z0-9]+([._/:-][a-z0-9]+)*(:[\w.-]+)?(@sha256:[a-f0-9]{64})?$/,
    "an image reference (<repository>[:<tag>][@sha256:<64 hex>]), e.g. 'public.ecr.aws/docker/library/node:22-alpine'",
  );
  if (c.name !== 'dev') {
    p.check(k.replicas >= 2, 'features.consumer.replicas', k.replicas, `is too small; ${c.name} runs at least 2 consumers per view`);
  }
  p.matches('features.labelsPrefix', f.labelsPrefix, /^[A-Za-z0-9!_.*'()=-][A-Za-z0-9!_.*'()=/-]*\/$/, "a key prefix ending in '/'");
  p.number('features.trainingSetHoldoutFraction', f.trainingSetHoldoutFraction, 0.05, 0.5);
}

/** The construct's declaration of a configured topic. */
export function topicOptions(t: TopicConfig) {
  return {
    topicName: t.name,
    partitions: t.partitions,
    retention: Duration.hours(t.retentionHours),
    replicationFactor: t.replicationFactor,
    cleanupPolicy: t.cleanupPolicy,
    schemaFile: fromRoot(t.schemaFile),
  };
}

/** The construct's declaration of a topic's dead-letter topic. */
export function deadLetterOptions(t: TopicConfig) {
  return {
    topicName: deadLetterTopicName(t.name),
    partitions: t.deadLetter?.partitions,
    retention: Duration.hours(t.deadLetter?.retentionHours ?? 1),
    replicationFactor: t.replicationFactor,
    cleanupPolicy: 'delete' as const,
    schemaFile: fromRoot(DEAD_LETTER_SCHEMA_FILE),
    description: `Records of ${t.name} that the feature computations rejected, with the reason`,
  };
}

/** A repository path (config names files from the repository root). */
export function fromRoot(file: string): string {
  return path.resolve(__dirname, '..', '..', file);
}

export function deadLetterTopicName(topic: string): string {
  return `${topic}${DEAD_LETTER_SUFFIX}`;
}

// eventTopicProblems lines read `<field>: <value> <what is allowed>`.
const CONFIG_FIELD: Record<string, string> = { topicName: 'name', retention: 'retentionHours' };
const fieldOf = (line: string) => {
  const field = line.slice(0, line.indexOf(':'));
  return CONFIG_FIELD[field] ?? field;
};
const rest = (line: string) => line.slice(line.indexOf(':') + 2);
const valueIn = (line: string): unknown => {
  const r = rest(line);
  const quoted = /^'([^']*)'/.exec(r);
  if (quoted) return quoted[1];
  const word = r.split(' ')[0];
  const n = Number(word);
  return Number.isNaN(n) ? word : n;
};
const allowedOf = (line: string) => {
  const r = rest(line);
  const quoted = /^'[^']*' /.exec(r);
  return quoted ? r.slice(quoted[0].length) : r.slice(r.indexOf(' ') + 1);
};
