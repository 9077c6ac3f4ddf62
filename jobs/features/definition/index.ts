export * from './problems';
export * from './semantics';
export * from './types';
