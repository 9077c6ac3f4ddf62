export * from './config';
export * from './rules';
export * from './stack';
export * from './views';
