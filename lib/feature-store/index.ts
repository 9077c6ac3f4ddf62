export * from './config';
export * from './feature-groups';
export * from './feature-groups-stack';
export * from './rules';
export * from './stack';
