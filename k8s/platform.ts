import type { App } from 'cdk8s';
import type { EnvironmentConfig } from '../lib/config';
import { TeamTenancyChart, type TeamTenancyProps } from './charts/team-tenancy';
import { RayClusterTemplateChart } from './charts/templates/ray-cluster';
import { TorchTrainJobTemplateChart } from './charts/templates/train-job';
import { TrainingRuntimesChart } from './charts/training-runtimes';

/**
 * Config -> chart props, in one place: the cdk8s app (k8s/main.ts) and the Compute stack both use
 * these, so the manifests GitOps users get are the ones CDK applies.
 */
export function tenancyProps(config: EnvironmentConfig): TeamTenancyProps[] {
  return config.cluster.teams.map((t) => ({ team: t.name, environment: config.name, quota: t.quota }));
}

/** The charts the cluster runs (applied by the Compute stack): runtimes and team tenancy. */
export interface PlatformCharts {
  readonly runtimes: TrainingRuntimesChart;
  readonly tenancy: TeamTenancyChart[];
}

/** Adds the cluster's charts of one environment to a cdk8s app. */
export function addPlatformCharts(app: App, config: EnvironmentConfig): PlatformCharts {
  return {
    runtimes: new TrainingRuntimesChart(app, 'training-runtimes', { environment: config.name }),
    tenancy: tenancyProps(config).map((props) => new TeamTenancyChart(app, `team-${props.team}`, props)),
  };
}

/** Adds the workload templates (for teams to copy, not applied by the platform) for every team. */
export function addTemplateCharts(app: App, config: EnvironmentConfig): Array<RayClusterTemplateChart | TorchTrainJobTemplateChart> {
  return config.cluster.teams.flatMap((t) => [
    new RayClusterTemplateChart(app, `ray-cluster-${t.name}`, { team: t.name, environment: config.name }),
    new TorchTrainJobTemplateChart(app, `torch-trainjob-${t.name}`, { team: t.name, environment: config.name }),
  ]);
}
