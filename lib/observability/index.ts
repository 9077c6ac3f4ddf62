export * from './config';
export * from './rules';
export * from './stack';
