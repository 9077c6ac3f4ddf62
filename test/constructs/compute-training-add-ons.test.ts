import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parse } from 'yaml';
import { KUEUE_FRAMEWORKS, kueueManagerConfig, TRAINING_CHARTS, TrainingAddOns } from '../../constructs/compute/training-add-ons';
import { newCluster } from './compute-fixture';

function addOns(install?: Record<string, boolean>) {
  const { stack, cluster } = newCluster();
  new TrainingAddOns(stack, 'TrainingAddOns', { cluster: cluster.cluster, install });
  const template = Template.fromStack(stack);
  const chart = (name: string): any =>
    Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: name } }))[0] as any;
  return { template, chart };
}

describe('TrainingAddOns', () => {
  test('Kueue and KEDA by default; EFA device plugin and FSx CSI driver only when asked', () => {
    // GIVEN / WHEN
    const plain = addOns();
    const efa = addOns({ efaDevicePlugin: true, fsxCsiDriver: true });
    // THEN
    expect(plain.chart('kueue').Properties.Version).toBe(TRAINING_CHARTS.kueue.version);
    expect(plain.chart('keda').Properties.Version).toBe(TRAINING_CHARTS.keda.version);
    expect(plain.chart('aws-efa-k8s-device-plugin')).toBeUndefined();
    expect(efa.chart('aws-efa-k8s-device-plugin').Properties.Version).toBe('v0.5.30');
    expect(JSON.parse(efa.chart('aws-efa-k8s-device-plugin').Properties.Values).tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(JSON.parse(efa.chart('aws-fsx-csi-driver').Properties.Values).node).toEqual({ tolerateAllTaints: true });
  });

  test("Kueue's configuration: only queued jobs, waitForPodsReady for all-or-nothing starts, the training frameworks", () => {
    // WHEN
    const config = parse(kueueManagerConfig(Duration.minutes(20)));
    // THEN
    expect(config.manageJobsWithoutQueueName).toBe(false);
    expect(config.waitForPodsReady).toMatchObject({ timeout: '20m', blockAdmission: true });
    expect(config.integrations.frameworks).toEqual(KUEUE_FRAMEWORKS);
    expect(KUEUE_FRAMEWORKS).toEqual(expect.arrayContaining(['trainer.kubeflow.org/trainjob', 'ray.io/rayjob']));
    const { chart } = addOns();
    expect(JSON.parse(chart('kueue').Properties.Values).managerConfig.controllerManagerConfigYaml).toBe(
      kueueManagerConfig(Duration.minutes(20)),
    );
  });
});
