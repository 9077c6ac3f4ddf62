export * from './config';
export * from './ecr';
export * from './model-server-rules';
export * from './rules';
export * from './stack';
