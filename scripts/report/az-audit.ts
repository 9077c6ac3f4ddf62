/**
 * What each tier keeps when one availability zone is lost, from the environment's configuration.
 * A verdict per tier: 'ok' (full capacity or automatic failover with no data loss), 'degraded'
 * (serves, with less capacity until replacements start), or 'at risk' (an outage or data loss).
 */
import type { EnvironmentConfig } from '../../lib/config';

export type Verdict = 'ok' | 'degraded' | 'at risk';

export interface TierAudit {
  readonly tier: string;
  readonly detail: string;
  readonly verdict: Verdict;
}

export function azLossAudit(c: EnvironmentConfig): TierAudit[] {
  const azs = c.availabilityZones.length;
  const tiers: TierAudit[] = [];
  const lostShare = (n: number) => Math.ceil(n / azs);

  if (c.streaming.mode === 'serverless') {
    tiers.push({ tier: 'streaming (MSK Serverless)', detail: 'multi-AZ by the service', verdict: 'ok' });
  } else {
    const perAz = c.streaming.brokerCount / azs;
    const left = c.streaming.brokerCount - perAz;
    tiers.push({
      tier: 'streaming (MSK brokers)',
      detail: `${c.streaming.brokerCount} brokers over ${azs} AZs: ${left} remain; topics with replication factor 3 and min.insync.replicas 2 keep accepting writes`,
      verdict: azs >= 3 && perAz >= 1 ? 'ok' : 'at risk',
    });
  }

  const fs = c.featureStore;
  tiers.push({
    tier: 'online feature store',
    detail: `${fs.shards} shard(s) × ${1 + fs.replicasPerShard} node(s), Multi-AZ ${fs.multiAz ? 'on' : 'off'}: ${fs.multiAz && fs.replicasPerShard >= 1 ? 'a replica in another AZ is promoted (seconds of write unavailability per affected shard)' : 'a shard whose primary is in the lost AZ is unavailable'}`,
    verdict: fs.multiAz && fs.replicasPerShard >= 1 ? 'ok' : 'at risk',
  });

  for (const g of c.cluster.nodeGroups) {
    const left = g.minSize - lostShare(g.minSize);
    tiers.push({
      tier: `node group ${g.name} (${g.workload})`,
      detail: `min ${g.minSize}: ${left} node(s) remain until the group replaces the rest in the surviving AZs (max ${g.maxSize})`,
      verdict: g.minSize === 0 ? 'ok' : left >= 1 && g.maxSize >= g.minSize + lostShare(g.minSize) ? 'degraded' : 'at risk',
    });
  }

  for (const e of c.serving.endpoints) {
    if (e.serverless) {
      tiers.push({ tier: `endpoint ${e.name} (serverless)`, detail: 'multi-AZ by the service', verdict: 'ok' });
      continue;
    }
    const left = e.minInstances - lostShare(e.minInstances);
    tiers.push({
      tier: `endpoint ${e.name}`,
      detail: `min ${e.minInstances} instance(s): ${left} remain; autoscaling restores capacity up to ${e.maxInstances}`,
      verdict: left >= 1 ? 'degraded' : 'at risk',
    });
  }

  for (const s of c.serving.modelServers) {
    const left = s.minReplicas - lostShare(s.minReplicas);
    tiers.push({
      tier: `model server ${s.name}`,
      detail: `min ${s.minReplicas} replica(s) spread over zones: ${left} remain; the HPA scales up to ${s.maxReplicas} on surviving nodes`,
      verdict: left >= 1 ? 'degraded' : 'at risk',
    });
  }
  return tiers;
}

/** The environment's verdict: the worst tier's. */
export function overallVerdict(tiers: readonly TierAudit[]): Verdict {
  if (tiers.some((t) => t.verdict === 'at risk')) return 'at risk';
  if (tiers.some((t) => t.verdict === 'degraded')) return 'degraded';
  return 'ok';
}
