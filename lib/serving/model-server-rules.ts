import { DNS_1035_LABEL, DNS_LABEL, LABEL_KEY, LABEL_VALUE, S3_PREFIX } from '../../constructs/core/patterns';
import { replicasForZoneLoss } from '../../k8s/charts/templates/vllm-server';
import type { Problems } from '../config/problems';
import type { EnvironmentConfig, ModelServerConfig } from '../config/types';
import { checkEcrImage } from './ecr';

/** Deployment/Service names: DNS-1035 labels (a letter first). */
const SERVER_NAME = DNS_1035_LABEL;
/** A key prefix in the models bucket: lower-case path segments ending in '/', no wildcards. */
const MODEL_PATH = S3_PREFIX;
/**
 * Prefixes of the models bucket that hold other things than model artifacts: SageMaker data
 * capture (real requests, personal data), Model Monitor baselines and reports, MLflow artifacts.
 */
export const RESERVED_MODEL_PREFIXES: readonly string[] = ['data-capture/', 'monitoring/', 'mlflow/'];
/** Most GPUs one pod may ask for (the largest inference instances have 8). */
const MAX_GPUS_PER_POD = 8;

/** Rules of `serving.modelServers`: model servers on the EKS cluster. */
export function checkModelServers(c: EnvironmentConfig, p: Problems): void {
  // Servers are checked against the cluster; a missing `serving` or `cluster` section is reported
  // by checkServing or checkCompute.
  if (!c.serving || !c.cluster) return;
  const teams = new Map(c.cluster.teams.map((t) => [t.name, t]));
  const names = new Set<string>();
  c.serving.modelServers.forEach((s, i) => {
    const at = `serving.modelServers[${i}]`;
    if (p.matches(`${at}.name`, s.name, SERVER_NAME, "a DNS-1035 label: a-z first, then a-z, 0-9 and '-', at most 63 characters")) {
      p.check(
        !s.name.endsWith('-workloads'),
        `${at}.name`,
        s.name,
        "is not allowed; names ending in '-workloads' are the teams' service accounts",
      );
    }
    p.check(!names.has(s.name), `${at}.name`, s.name, 'is declared twice; model server names must be unique');
    names.add(s.name);
    const team = teams.get(s.team);
    p.check(
      team !== undefined,
      `${at}.team`,
      s.team,
      `is not allowed; expected one of cluster.teams: ${[...teams.keys()].map((n) => `'${n}'`).join(', ') || 'none declared'}`,
    );
    checkEcrImage(c, p, `${at}.image`, s.image, 'the cluster');
    if (s.port !== undefined) p.integer(`${at}.port`, s.port, 1024, 65535);
    if (s.args !== undefined) {
      p.check(
        Array.isArray(s.args) && s.args.length > 0 && s.args.every((a) => typeof a === 'string' && a.length > 0 && a.length <= 1024),
        `${at}.args`,
        s.args,
        "is not allowed; expected 1 or more non-empty strings (leave it out for the image's defaults)",
      );
    }
    if (
      p.matches(
        `${at}.modelPath`,
        s.modelPath,
        MODEL_PATH,
        "a key prefix in the models bucket: lower-case path segments ending in '/', without wildcards or a leading '/' (e.g. 'credit-risk/1.0.0/')",
      )
    ) {
      const reserved = RESERVED_MODEL_PREFIXES.find((r) => s.modelPath.startsWith(r));
      p.check(
        reserved === undefined,
        `${at}.modelPath`,
        s.modelPath,
        `is not allowed; '${reserved}' holds captured requests, monitoring or MLflow data, not model artifacts`,
      );
    }
    checkCapacity(c, p, at, s, team);
    p.check(s.callers.length > 0, `${at}.callers`, s.callers, 'is empty; declare at least one caller (namespace and optional pod labels)');
    s.callers.forEach((caller, j) => {
      const field = `${at}.callers[${j}]`;
      p.matches(`${field}.namespace`, caller.namespace, DNS_LABEL, 'a namespace name (DNS-1123 label)');
      if (caller.podLabels === undefined) return;
      const entries = Object.entries(caller.podLabels);
      p.check(entries.length > 0, `${field}.podLabels`, caller.podLabels, 'is empty; leave it out to admit every pod of the namespace');
      for (const [key, value] of entries) {
        p.check(
          LABEL_KEY.test(key) && typeof value === 'string' && LABEL_VALUE.test(value),
          `${field}.podLabels`,
          `${key}=${value}`,
          'is not a valid Kubernetes label (key: optional DNS prefix and a name of up to 63 characters; value: up to 63 of A-Z, a-z, 0-9, -_.)',
        );
      }
    });
  });
}

function checkCapacity(
  c: EnvironmentConfig,
  p: Problems,
  at: string,
  s: ModelServerConfig,
  team: EnvironmentConfig['cluster']['teams'][number] | undefined,
): void {
  const minOk = p.integer(`${at}.minReplicas`, s.minReplicas, 1, 100);
  const maxOk = p.integer(`${at}.maxReplicas`, s.maxReplicas, 1, 100);
  if (minOk && maxOk) {
    p.check(s.minReplicas <= s.maxReplicas, `${at}.minReplicas`, s.minReplicas, `must not exceed maxReplicas (${s.maxReplicas})`);
  }
  if (minOk && c.name === 'prod') {
    p.check(
      s.minReplicas >= 2,
      `${at}.minReplicas`,
      s.minReplicas,
      'is not allowed; prod needs at least 2 replicas (spread across AZs, one may be disrupted at a time)',
    );
  }
  const cpuOk = p.check(
    typeof s.cpu === 'number' && s.cpu > 0 && s.cpu <= 64 && Math.abs(s.cpu * 1000 - Math.round(s.cpu * 1000)) < 1e-6,
    `${at}.cpu`,
    s.cpu,
    'is not allowed; expected CPU cores greater than 0 and at most 64, in steps of 0.001',
  );
  const memoryOk = p.integer(`${at}.memoryMiB`, s.memoryMiB, 128, 524288);
  p.integer(`${at}.targetCpuPercent`, s.targetCpuPercent, 1, 100);
  let gpuOk = true;
  if (s.gpu !== undefined) {
    gpuOk = p.integer(`${at}.gpu.count`, s.gpu.count, 1, MAX_GPUS_PER_POD);
    const pools = (c.cluster.karpenter?.nodePools ?? []).filter((x) => x.gpu && x.workload === 'inference');
    gpuOk =
      p.check(
        pools.length > 0,
        `${at}.gpu`,
        s.gpu,
        "is not allowed; the cluster has no GPU NodePool with workload 'inference' (add one to cluster.karpenter.nodePools)",
      ) && gpuOk;
  }
  // Prod keeps minReplicas serving with one AZ lost: it runs ceil(min x AZs / (AZs - 1)) pods.
  if (minOk && maxOk && c.name === 'prod' && c.availabilityZones.length >= 2) {
    const floor = replicasForZoneLoss(s.minReplicas, c.availabilityZones.length);
    p.check(
      s.maxReplicas >= floor,
      `${at}.maxReplicas`,
      s.maxReplicas,
      `is not allowed; prod runs ${floor} replicas so that ${s.minReplicas} survive the loss of one of ${c.availabilityZones.length} AZs, and maxReplicas must allow them`,
    );
  }
  // The team's quota must admit the server at its largest, or the autoscaler's pods are rejected.
  if (!team || !maxOk || !cpuOk || !memoryOk || !gpuOk) return;
  const q = team.quota;
  const most = s.maxReplicas;
  p.check(
    s.cpu * most <= q.cpu,
    `${at}.maxReplicas`,
    most,
    `is not allowed; ${most} pods × ${s.cpu} CPU exceed team '${team.name}''s quota of ${q.cpu} CPU`,
  );
  p.check(
    s.memoryMiB * most <= q.memoryGiB * 1024,
    `${at}.maxReplicas`,
    most,
    `is not allowed; ${most} pods × ${s.memoryMiB} MiB exceed team '${team.name}''s quota of ${q.memoryGiB} GiB`,
  );
  if (s.gpu) {
    p.check(
      s.gpu.count * most <= q.gpus,
      `${at}.maxReplicas`,
      most,
      `is not allowed; ${most} pods × ${s.gpu.count} GPUs exceed team '${team.name}''s quota of ${q.gpus} GPUs`,
    );
  }
}
