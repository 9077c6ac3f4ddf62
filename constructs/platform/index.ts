export * from './handles';
export * from './platform';
export * from './platform-parameters';
