export * from './feature-jobs';
export * from './feature-stream-consumer';
