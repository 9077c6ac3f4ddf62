import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { RAY_DASHBOARD_PORT, RAY_GCS_PORT } from './templates/ray-pods';

export interface RayOperatorAccessProps {
  /** The team namespace whose Ray heads the operator must reach (it has a default-deny policy). */
  readonly namespace: string;
  /**
   * Namespace of the KubeRay operator.
   * @default 'kuberay-system'
   */
  readonly operatorNamespace?: string;
}

/** Label KubeRay puts on head pods. */
export const RAY_HEAD_SELECTOR = { 'ray.io/node-type': 'head' } as const;

/**
 * The NetworkPolicy that lets the KubeRay operator reach the Ray heads of a namespace under a
 * default-deny policy: the dashboard and job API (8265: job submission and status, Serve
 * application status) and the GCS (6379: cluster health). Nothing else of the namespace is opened.
 *
 * @example
 * const chart = new cdk8s.Chart(app, 'risk');
 * new RayOperatorAccess(chart, 'RayOperatorAccess', { namespace: 'risk' });
 */
export class RayOperatorAccess extends Construct {
  readonly policy: kplus.k8s.KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: RayOperatorAccessProps) {
    super(scope, id);
    const tcp = (port: number) => ({ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(port) });
    this.policy = new kplus.k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: 'allow-kuberay-operator', namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: { ...RAY_HEAD_SELECTOR } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': props.operatorNamespace ?? 'kuberay-system' } },
                podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kuberay-operator' } },
              },
            ],
            ports: [tcp(RAY_DASHBOARD_PORT), tcp(RAY_GCS_PORT)],
          },
        ],
      },
    });
  }
}
