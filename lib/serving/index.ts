export * from './config';
export * from './ecr';
export * from './model-server-rules';
export * from './model-stack';
export * from './rules';
export * from './stack';
