import type { Problems } from '../config/problems';
import type { EnvironmentConfig } from '../config/types';

const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/**
 * An image URI in ECR of the environment's own region (SageMaker and EKS nodes pull from ECR in
 * their region; nodes reach it through the VPC endpoints). `puller` completes the message:
 * `is in region X; <puller> pulls images from ECR in <region>`.
 */
export function checkEcrImage(c: EnvironmentConfig, p: Problems, field: string, uri: string, puller: string): void {
  const m = ECR_IMAGE.exec(uri);
  const ok = p.check(
    m !== null,
    field,
    uri,
    'is not allowed; expected an ECR image URI <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> (or @sha256:<digest>)',
  );
  if (ok) p.check(m![2] === c.region, field, uri, `is in region ${m![2]}; ${puller} pulls images from ECR in ${c.region}`);
}
