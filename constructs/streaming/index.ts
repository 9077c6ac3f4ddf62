export * from './streaming-cluster';
