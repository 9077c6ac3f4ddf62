export * from './charts';
export * from './config';
export * from './rules';
export * from './stack';
export * from './team-stack';
