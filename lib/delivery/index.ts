export { buildDeliveryApp, type DeliveryAppOptions } from './app';
export { DELIVERY, type DeliveryConfig } from './config';
export { DeliveryPipelineStack, type DeliveryPipelineStackProps, PIPELINE_ASSEMBLY_DIR } from './pipeline-stack';
export { deliveryProblems } from './rules';
