export * from './labels';
export * from './model-serving';
export * from './team-tenancy';
export * from './templates/ray-cluster';
export * from './templates/train-job';
export * from './training-runtimes';
