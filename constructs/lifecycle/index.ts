export * from './model-approval';
export * from './model-promotion';
export * from './retraining-trigger';
export * from './training-pipeline';
