export { ACCOUNTS } from './accounts';
export { ENVIRONMENTS } from './environments';
export { Problems } from './problems';
export * from './types';
export { assertValid, ConfigValidationError, type Rule, validate } from './validate';
