import {
  availabilityZonesOf,
  ELASTICACHE_NODE_TYPES,
  EMR_SERVERLESS_RELEASES,
  ec2InstanceSpec,
  ec2UnknownReason,
  MSK_BROKER_TYPES,
  MSK_KAFKA_VERSIONS,
  SAGEMAKER_INSTANCE_TYPES,
  unknownValueReason,
} from '../../lib/catalog';

describe('AWS catalog tables', () => {
  test('well-formed values that AWS does not have are unknown', () => {
    // GIVEN the examples a config review found passing synth
    // THEN none of them is in the tables
    expect(ELASTICACHE_NODE_TYPES['cache.r7g.3xlarge']).toBeUndefined();
    expect(ec2InstanceSpec('g6.3xlarge')).toBeUndefined();
    expect(SAGEMAKER_INSTANCE_TYPES['ml.c5.2xl']).toBeUndefined();
    expect(EMR_SERVERLESS_RELEASES).not.toContain('emr-6.5.0');
    expect(MSK_KAFKA_VERSIONS).not.toContain('3.6.0');
    expect(availabilityZonesOf('eu-west-1')).not.toContain('eu-west-1d');
    expect(availabilityZonesOf('ca-central-1')).not.toContain('ca-central-1c');
  });

  test('real values are known, with their shape', () => {
    // WHEN looking up types the committed environments use
    // THEN the specs are what AWS publishes
    expect(ec2InstanceSpec('p5.48xlarge')).toEqual({ vcpus: 192, memoryGiB: 2048, gpus: 8, efaInterfaces: 32 });
    expect(ec2InstanceSpec('g6.2xlarge')).toEqual({ vcpus: 8, memoryGiB: 32, gpus: 1, efaInterfaces: 0 });
    expect(ec2InstanceSpec('g6e.12xlarge')).toMatchObject({ gpus: 4, memoryGiB: 384 });
    expect(ec2InstanceSpec('m7i.xlarge')).toEqual({ vcpus: 4, memoryGiB: 16, gpus: 0, efaInterfaces: 0 });
    expect(SAGEMAKER_INSTANCE_TYPES['ml.c5.2xlarge']).toEqual({ vcpus: 8, gpus: 0 });
    expect(ELASTICACHE_NODE_TYPES['cache.r7g.xlarge']).toBeGreaterThan(26);
    expect(MSK_BROKER_TYPES).toContain('kafka.m7g.large');
    expect(EMR_SERVERLESS_RELEASES[0]).toBe('emr-6.6.0');
    expect(EMR_SERVERLESS_RELEASES).toContain('emr-7.9.0');
  });

  test('unknown values are explained with the sizes that exist', () => {
    // WHEN a size does not exist in a known family
    // THEN the reason lists the family's real sizes
    expect(ec2UnknownReason('g6.3xlarge')).toMatch(/^is not an EC2 instance type; g6 comes in xlarge, 2xlarge, 4xlarge/);
    expect(ec2UnknownReason('zz9.large')).toMatch(/families: m7i/);
    expect(unknownValueReason('cache.r7g.3xlarge', Object.keys(ELASTICACHE_NODE_TYPES), 'an ElastiCache node type')).toMatch(
      /expected one of cache\.r7g\.large, cache\.r7g\.xlarge/,
    );
  });
});
