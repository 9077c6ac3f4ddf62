/**
 * The ML platform construct library. Teams import from here; every construct takes typed props
 * (never the platform's own config) so it can be used in any CDK app.
 */

export * from './compute';
export * from './features';
export * from './featurestore';
export * from './lake';
export * from './lifecycle';
export * from './network';
export * from './notebooks';
export * from './observability';
export * from './platform';
export * from './security';
export * from './serving';
export * from './spark';
export * from './streaming';
export * from './streams';
