import type { EnvironmentName } from '../config/types';

/**
 * SageMaker Studio for the teams' notebooks: one VPC-only domain per environment, one user profile
 * per team member group (`<team>-<group>`), running as the team's role.
 */
export interface NotebooksConfig {
  /** Whether the environment has a Studio domain (the `Notebooks` stack). */
  readonly enabled: boolean;
  /** JupyterLab and Code Editor apps stop after this many idle minutes (60 to 525600). */
  readonly idleTimeoutMinutes: number;
}

/** Notebooks per environment: dev and staging; prod only if turned on here. */
export const NOTEBOOKS: Readonly<Record<EnvironmentName, NotebooksConfig>> = {
  dev: { enabled: true, idleTimeoutMinutes: 60 },
  staging: { enabled: true, idleTimeoutMinutes: 120 },
  prod: { enabled: false, idleTimeoutMinutes: 60 },
};
