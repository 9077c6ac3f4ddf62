export * from './model-approval';
export * from './training-pipeline';
