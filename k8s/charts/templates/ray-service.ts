import { ApiObject, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { RayService } from '../../imports/ray.io';
import { platformLabels } from '../labels';
import { teamServiceAccountName } from '../team-tenancy';
import { RAY_SERVE_PORT, type RayResources, rayAutoscalerOptions, rayHeadGroup, rayWorkerGroup } from './ray-pods';

/** One Ray Serve application: where its code is and how its deployment autoscales. */
export interface RayServeApplication {
  /** Application name (also its route prefix `/<name>`). */
  readonly name: string;
  /** `module:attribute` of the bound Serve application, e.g. `serve_app:app`. */
  readonly importPath: string;
  /** Code of the application: a zip in S3 the team may read (`s3://…/app.zip`). */
  readonly workingDir: string;
  /** Name of the deployment inside the application whose replicas autoscale. */
  readonly deployment: string;
  /** Fewest and most replicas. */
  readonly replicas: { readonly min: number; readonly max: number };
  /**
   * In-flight requests per replica the autoscaler aims for (request concurrency).
   * @default 2
   */
  readonly targetOngoingRequests?: number;
  /**
   * Requests queued per replica beyond which callers get 503 at once (back-pressure instead of timeouts).
   * @default 100
   */
  readonly maxQueuedRequests?: number;
  /**
   * GPUs per replica (fractions share a GPU).
   * @default 1
   */
  readonly gpusPerReplica?: number;
}

export interface RayServiceTemplateProps extends ChartProps {
  /** The team (its namespace). */
  readonly team: string;
  /** Environment name, for the `platform/env` label. */
  readonly environment: string;
  /**
   * Name of the RayService.
   * @default `${team}-serve`
   */
  readonly name?: string;
  /** @default '2.49.2' */
  readonly rayVersion?: string;
  /** @default `rayproject/ray:${rayVersion}-py311-gpu` */
  readonly image?: string;
  readonly application: RayServeApplication;
  /**
   * GPU workers: fewest and most (the Ray autoscaler adds workers for pending replicas; Karpenter
   * adds nodes for pending workers).
   * @default { min: 1, max: 4 }
   */
  readonly workers?: { readonly min: number; readonly max: number };
  /** @default { cpu: 8, memoryGiB: 32, gpus: 1 } */
  readonly workerSize?: RayResources;
}

/**
 * A RayService teams copy: one Serve application whose replicas autoscale on ongoing requests per
 * replica, on GPU workers that the Ray autoscaler adds and removes (in-tree autoscaling, its sidecar
 * restricted like every container), spread across zones; zero-downtime upgrades by KubeRay (a new
 * cluster is readied before traffic moves). Pods pass Pod Security "restricted" and run as the
 * team's service account.
 *
 * A Ray cluster's head is a single pod: without GCS fault tolerance (an external Redis) the
 * application stops when the head's zone is lost. Use it for batch-style and internal serving;
 * latency-critical model servers use the vLLM template (a Deployment across zones).
 *
 * @example
 * new RayServiceTemplateChart(app, 'serve', { team: 'risk', environment: 'dev', application: {
 *   name: 'policy', importPath: 'serve_app:app', workingDir: 's3://bucket/teams/risk/serve/app.zip',
 *   deployment: 'Policy', replicas: { min: 1, max: 8 } } });
 */
export class RayServiceTemplateChart extends Chart {
  readonly rayService: RayService;
  readonly disruptionBudget: ApiObject;

  constructor(scope: Construct, id: string, props: RayServiceTemplateProps) {
    super(scope, id, {
      ...props,
      labels: { ...platformLabels({ environment: props.environment, component: 'ray-serve', team: props.team }), ...props.labels },
    });
    const where = `RayServiceTemplateChart '${props.team}'`;
    const rayVersion = props.rayVersion ?? '2.49.2';
    const image = props.image ?? `rayproject/ray:${rayVersion}-py311-gpu`;
    const workers = props.workers ?? { min: 1, max: 4 };
    const app = props.application;
    const name = props.name ?? `${props.team}-serve`;
    if (!(Number.isInteger(workers.min) && workers.min >= 0 && workers.min <= workers.max)) {
      throw new Error(`${where}: workers must satisfy 0 <= min <= max (whole numbers), got ${workers.min} and ${workers.max}`);
    }
    if (!(Number.isInteger(app.replicas.min) && app.replicas.min >= 1 && app.replicas.min <= app.replicas.max)) {
      throw new Error(`${where}: application.replicas must satisfy 1 <= min <= max, got ${app.replicas.min} and ${app.replicas.max}`);
    }
    if (!/^s3:\/\/[a-z0-9.-]+\/.+\.zip$/.test(app.workingDir)) {
      throw new Error(`${where}: application.workingDir must be a zip in S3 (s3://<bucket>/<key>.zip), got '${app.workingDir}'`);
    }
    const serviceAccountName = teamServiceAccountName(props.team);
    const podLabels = { 'platform/ray-service': name };

    const serveConfig = {
      proxy_location: 'EveryNode',
      http_options: { host: '0.0.0.0', port: RAY_SERVE_PORT },
      applications: [
        {
          name: app.name,
          route_prefix: `/${app.name}`,
          import_path: app.importPath,
          runtime_env: { working_dir: app.workingDir },
          deployments: [
            {
              name: app.deployment,
              max_ongoing_requests: (app.targetOngoingRequests ?? 2) * 2,
              max_queued_requests: app.maxQueuedRequests ?? 100,
              ray_actor_options: { num_gpus: app.gpusPerReplica ?? 1 },
              autoscaling_config: {
                min_replicas: app.replicas.min,
                max_replicas: app.replicas.max,
                target_ongoing_requests: app.targetOngoingRequests ?? 2,
                upscale_delay_s: 30,
                downscale_delay_s: 600,
              },
            },
          ],
        },
      ],
    };

    const head = rayHeadGroup({ image, serviceAccountName, extraPorts: [{ name: 'serve', containerPort: RAY_SERVE_PORT }] });
    // KubeRay binds its autoscaler Role to the head's service account; the sidecar needs its token.
    head.template.spec.automountServiceAccountToken = true;

    this.rayService = new RayService(this, 'Resource', {
      metadata: { name, namespace: props.team },
      spec: {
        serveConfigV2: JSON.stringify(serveConfig, undefined, 2),
        rayClusterConfig: {
          rayVersion,
          enableInTreeAutoscaling: true,
          autoscalerOptions: rayAutoscalerOptions(600),
          headGroupSpec: head,
          workerGroupSpecs: [
            rayWorkerGroup({
              groupName: 'gpu',
              image,
              serviceAccountName,
              replicas: workers.min,
              minReplicas: workers.min,
              maxReplicas: workers.max,
              resources: props.workerSize ?? { cpu: 8, memoryGiB: 32, gpus: 1 },
              nodeSelector: { 'platform/node-kind': 'gpu', 'platform/workload': 'inference' },
              spreadAcrossZones: true,
              labels: podLabels,
            }),
          ],
        },
      },
    });

    // Voluntary disruptions (Karpenter consolidation, node upgrades) take one worker at a time.
    this.disruptionBudget = new ApiObject(this, 'DisruptionBudget', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: `${name}-workers`, namespace: props.team },
      spec: { maxUnavailable: 1, selector: { matchLabels: podLabels } },
    });
  }
}
