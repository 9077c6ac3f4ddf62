export * from './alarm-contract';
export * from './on-call-topics';
export * from './slo';
