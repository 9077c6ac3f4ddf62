export * from './endpoint-rollout';
export * from './model-approval';
export * from './model-promotion';
export * from './problems';
export * from './retraining-trigger';
export * from './team-airflow';
export * from './training-pipeline';
export * from './version-import';
