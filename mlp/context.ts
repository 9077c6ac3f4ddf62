import type { AwsOptions, SageMaker } from './aws';
import type { Output, Stream } from './output';

/** What a command gets: where to write, the AWS client, and a clock (injectable in tests). */
export interface Context {
  readonly out: Output;
  /** Region, profile, endpoint and request timeout for any AWS client the command builds. */
  readonly aws: AwsOptions;
  /** Created on first use, so usage errors never touch AWS configuration. */
  sagemaker(): SageMaker;
  /** Progress of waits goes here (stderr). */
  readonly progressStream: Stream;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Parsed option values of one command (util.parseArgs shape). */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;
