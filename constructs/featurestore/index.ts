export * from './feature-definition';
export * from './feature-group';
export * from './online-feature-store';
