export * from './audit-bucket';
export * from './platform-keys';
