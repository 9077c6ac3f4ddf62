export * from './labels';
export * from './team-tenancy';
export * from './templates/ray-cluster';
export * from './templates/train-job';
export * from './training-runtimes';
