export * from './config';
export * from './feature-group-stack';
export * from './feature-groups';
export * from './rules';
export * from './stack';
