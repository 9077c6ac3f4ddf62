export * from './cluster-access-host';
export * from './cluster-add-ons';
export * from './gpu';
export * from './ml-cluster';
export * from './ml-node-group';
export * from './model-server-identity';
export * from './team-workload-identity';
export * from './versions';
