export * from './data-quality-monitor';
export * from './endpoint-spec';
export * from './mlflow-tracking-server';
export * from './model-endpoint';
export * from './model-registry';
export * from './model-source';
export { SAGEMAKER_NAME_PATTERN } from './names';
