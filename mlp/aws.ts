/**
 * The one place the CLI builds its SageMaker client. Every call goes through `call`, which turns
 * SDK exceptions into one-line AwsErrors (exit code 3).
 */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { awsError } from './errors';

export interface AwsOptions {
  /** --region; else the SDK's chain (AWS_REGION, the profile's region). */
  readonly region?: string;
  /** --profile; else AWS_PROFILE / default. */
  readonly profile?: string;
  /** --endpoint-url, for emulators (moto). Else AWS_ENDPOINT_URL(_SAGEMAKER) or the AWS endpoint. */
  readonly endpointUrl?: string;
}

export class SageMaker {
  readonly client: SageMakerClient;

  constructor(readonly options: AwsOptions) {
    this.client = new SageMakerClient({
      ...(options.region ? { region: options.region } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
      maxAttempts: 3,
    });
  }

  /** Runs one API call; `operation` names it in error messages (e.g. "DescribeEndpoint"). */
  async call<T>(operation: string, fn: (client: SageMakerClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client);
    } catch (err) {
      throw awsError(operation, err, this.options.endpointUrl);
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}
