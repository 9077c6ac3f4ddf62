export * from './ec2';
export * from './regions';
export * from './services';
