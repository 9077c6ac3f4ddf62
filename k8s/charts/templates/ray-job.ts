import { ApiObject, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { RayJob } from '../../imports/ray.io';
import { KUEUE_PRIORITY_LABEL, KUEUE_QUEUE_LABEL, TEAM_LOCAL_QUEUE, type WORKLOAD_PRIORITIES } from '../kueue-queues';
import { platformLabels } from '../labels';
import { teamServiceAccountName } from '../team-tenancy';
import { type RayResources, rayAutoscalerOptions, rayHeadGroup, rayWorkerGroup } from './ray-pods';

/**
 * The reinforcement-learning example teams copy: PPO (RLlib, new API stack) on CartPole with
 * GPU learners and CPU env runners, checkpoints to `CHECKPOINT_URI` (an S3 prefix the team may
 * write), stopping at a mean episode return of 450.
 */
export const RLLIB_PPO_EXAMPLE = `import os

from ray import tune
from ray.rllib.algorithms.ppo import PPOConfig

config = (
    PPOConfig()
    .environment("CartPole-v1")
    .env_runners(num_env_runners=int(os.environ.get("NUM_ENV_RUNNERS", "4")))
    .learners(num_learners=int(os.environ.get("NUM_LEARNERS", "1")), num_gpus_per_learner=1)
    .training(lr=3e-4, train_batch_size_per_learner=4000)
)

tuner = tune.Tuner(
    "PPO",
    param_space=config,
    run_config=tune.RunConfig(
        name=os.environ.get("EXPERIMENT", "ppo-cartpole"),
        storage_path=os.environ["CHECKPOINT_URI"],
        stop={"env_runners/episode_return_mean": 450.0, "training_iteration": 200},
        checkpoint_config=tune.CheckpointConfig(checkpoint_frequency=10, checkpoint_at_end=True),
    ),
)
results = tuner.fit()
best = results.get_best_result(metric="env_runners/episode_return_mean", mode="max")
print("best checkpoint:", best.checkpoint)
`;

export interface RayJobTemplateProps extends ChartProps {
  /** The team (its namespace). */
  readonly team: string;
  /** Environment name, for the `platform/env` label. */
  readonly environment: string;
  /**
   * Name of the RayJob.
   * @default `${team}-rllib-ppo`
   */
  readonly name?: string;
  /**
   * Ray version (must match the image).
   * @default '2.49.2'
   */
  readonly rayVersion?: string;
  /**
   * Image of head and workers (pin a digest, or use the platform's ECR).
   * @default `rayproject/ray:${rayVersion}-py311-gpu`
   */
  readonly image?: string;
  /**
   * Where checkpoints go: an S3 URI under a prefix the team may write. It may reference
   * `$(MODELS_BUCKET)` when `bucketFromConfigMap` is given.
   */
  readonly checkpointUri: string;
  /**
   * Sets `MODELS_BUCKET` on the head from a ConfigMap key of the namespace (the platform's).
   * @default - none
   */
  readonly bucketFromConfigMap?: { readonly configMap: string; readonly key: string };
  /**
   * GPU learner workers (one learner per worker) and CPU env-runner workers.
   * @default { gpuWorkers: 1, cpuWorkers: 2 }
   */
  readonly workers?: { readonly gpuWorkers: number; readonly cpuWorkers: number };
  /** @default { cpu: 8, memoryGiB: 32, gpus: 1 } */
  readonly gpuWorkerSize?: RayResources;
  /** @default { cpu: 4, memoryGiB: 8 } */
  readonly cpuWorkerSize?: RayResources;
  /**
   * The team's LocalQueue: Kueue admits the job's head and workers together (gang) within the
   * team's quota, or holds it suspended. `false`: not queued, and then the worker groups autoscale
   * (Kueue reserves a fixed size, so a queued RayJob cannot autoscale).
   * @default TEAM_LOCAL_QUEUE
   */
  readonly queue?: string | false;
  /**
   * Kueue priority class.
   * @default 'experiment'
   */
  readonly priorityClass?: keyof typeof WORKLOAD_PRIORITIES;
  /**
   * Most workers per group when not queued (autoscaling).
   * @default - twice the starting count
   */
  readonly maxWorkers?: { readonly gpuWorkers: number; readonly cpuWorkers: number };
}

/**
 * A RayJob teams copy, running the RLlib PPO example: the job's script comes from a ConfigMap
 * mounted on the head; the KubeRay operator submits it over the head's job API (HTTP mode: no
 * submitter pod) and deletes the cluster when the job ends. Queued through Kueue by default (gang
 * admission, preemption by priority); every pod passes Pod Security "restricted" and runs as the
 * team's service account (the team's lake access through EKS Pod Identity).
 *
 * @example
 * new RayJobTemplateChart(app, 'rl', { team: 'risk', environment: 'dev', checkpointUri: 's3://bucket/teams/risk/rl/' });
 */
export class RayJobTemplateChart extends Chart {
  readonly rayJob: RayJob;
  readonly script: ApiObject;

  constructor(scope: Construct, id: string, props: RayJobTemplateProps) {
    super(scope, id, {
      ...props,
      labels: { ...platformLabels({ environment: props.environment, component: 'ray', team: props.team }), ...props.labels },
    });
    const rayVersion = props.rayVersion ?? '2.49.2';
    const image = props.image ?? `rayproject/ray:${rayVersion}-py311-gpu`;
    const workers = props.workers ?? { gpuWorkers: 1, cpuWorkers: 2 };
    const queue = props.queue ?? TEAM_LOCAL_QUEUE;
    const max = props.maxWorkers ?? { gpuWorkers: workers.gpuWorkers * 2, cpuWorkers: workers.cpuWorkers * 2 };
    const where = `RayJobTemplateChart '${props.team}'`;
    for (const [field, n] of Object.entries(workers)) {
      if (!Number.isInteger(n) || n < 0) throw new Error(`${where}: workers.${field} must be a whole number >= 0, got ${n}`);
    }
    if (queue !== false && props.maxWorkers) {
      throw new Error(`${where}: maxWorkers needs queue: false; Kueue admits a fixed size, so a queued RayJob does not autoscale`);
    }
    if (queue === false && (max.gpuWorkers < workers.gpuWorkers || max.cpuWorkers < workers.cpuWorkers)) {
      throw new Error(`${where}: maxWorkers must be at least workers, got ${JSON.stringify(max)} < ${JSON.stringify(workers)}`);
    }
    if (!/^s3:\/\/([a-z0-9.-]+|\$\([A-Z_][A-Z0-9_]*\))\/.+\/$/.test(props.checkpointUri)) {
      throw new Error(`${where}: checkpointUri must be an S3 prefix ending in '/' (s3://<bucket>/<prefix>/), got '${props.checkpointUri}'`);
    }
    const name = props.name ?? `${props.team}-rllib-ppo`;
    const serviceAccountName = teamServiceAccountName(props.team);
    const autoscale = queue === false;

    this.script = new ApiObject(this, 'Script', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-script`, namespace: props.team },
      data: { 'ppo_cartpole.py': RLLIB_PPO_EXAMPLE },
    });

    const head = rayHeadGroup({ image, serviceAccountName });
    const headPod = head.template.spec;
    headPod.volumes.push({ name: 'job', configMap: { name: `${name}-script` } });
    headPod.containers[0].volumeMounts.push({ name: 'job', mountPath: '/home/ray/job', readOnly: true });
    headPod.containers[0].env = [
      ...(props.bucketFromConfigMap
        ? [
            {
              name: 'MODELS_BUCKET',
              valueFrom: { configMapKeyRef: { name: props.bucketFromConfigMap.configMap, key: props.bucketFromConfigMap.key } },
            },
          ]
        : []),
      { name: 'CHECKPOINT_URI', value: props.checkpointUri },
      { name: 'NUM_LEARNERS', value: `${workers.gpuWorkers}` },
      { name: 'NUM_ENV_RUNNERS', value: `${workers.cpuWorkers * (props.cpuWorkerSize?.cpu ?? 4)}` },
    ];
    // With in-tree autoscaling, KubeRay binds its autoscaler Role to the head's service account,
    // whose token the sidecar then needs (the team's service account does not mount it by default).
    if (autoscale) headPod.automountServiceAccountToken = true;

    this.rayJob = new RayJob(this, 'Resource', {
      metadata: {
        name,
        namespace: props.team,
        labels: queue === false ? undefined : { [KUEUE_QUEUE_LABEL]: queue, [KUEUE_PRIORITY_LABEL]: props.priorityClass ?? 'experiment' },
      },
      spec: {
        entrypoint: 'python /home/ray/job/ppo_cartpole.py',
        submissionMode: 'HTTPMode',
        shutdownAfterJobFinishes: true,
        ttlSecondsAfterFinished: 600,
        rayClusterSpec: {
          rayVersion,
          enableInTreeAutoscaling: autoscale,
          autoscalerOptions: autoscale ? rayAutoscalerOptions(300) : undefined,
          headGroupSpec: head,
          workerGroupSpecs: [
            rayWorkerGroup({
              groupName: 'learners',
              image,
              serviceAccountName,
              replicas: workers.gpuWorkers,
              minReplicas: autoscale ? 0 : workers.gpuWorkers,
              maxReplicas: autoscale ? max.gpuWorkers : workers.gpuWorkers,
              resources: props.gpuWorkerSize ?? { cpu: 8, memoryGiB: 32, gpus: 1 },
            }),
            rayWorkerGroup({
              groupName: 'env-runners',
              image,
              serviceAccountName,
              replicas: workers.cpuWorkers,
              minReplicas: autoscale ? 0 : workers.cpuWorkers,
              maxReplicas: autoscale ? max.cpuWorkers : workers.cpuWorkers,
              resources: props.cpuWorkerSize ?? { cpu: 4, memoryGiB: 8 },
            }),
          ],
        },
      },
    });
  }
}
