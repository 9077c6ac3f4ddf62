export * from './alarm-contract';
export * from './cost-guardrails';
export * from './credit-decision-path';
export * from './metrics';
export * from './on-call-topics';
export * from './platform-monitoring';
export * from './prometheus';
export * from './slo';
