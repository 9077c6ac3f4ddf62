import {
  checkApprovalStatus,
  checkImageUri,
  checkName,
  checkPackageArn,
  checkReason,
  checkS3Uri,
  derivedName,
  packageVersion,
  parseDuration,
  parseMetadata,
  timestamp,
} from '../../mlp/values';

describe('parseDuration', () => {
  test.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['0.5', 500],
    ['250ms', 250],
  ])('%s -> %d ms', (value, ms) => {
    expect(parseDuration('--timeout', value)).toBe(ms);
  });

  test.each(['', '0', '-5', 'soon', '5d', '1m30s'])('%j is rejected with the option, the value and examples', (value) => {
    expect(() => parseDuration('--timeout', value)).toThrow(
      new RegExp(`--timeout: '${value}' is not a positive duration \\(e\\.g\\. 90, 90s, 15m, 1h\\)`),
    );
  });
});

describe('parseMetadata', () => {
  test('pairs become CustomerMetadataProperties; values may contain =', () => {
    expect(parseMetadata('--metadata', ['git_sha=4f2c1e9', 'query=a=b', 'auc=0.87'])).toEqual({
      git_sha: '4f2c1e9',
      query: 'a=b',
      auc: '0.87',
    });
  });

  test.each([
    [['noequals'], /'noequals' is not key=value/],
    [['=v'], /'=v' is not key=value/],
    [['k='], /value of 'k' must be 1-256 characters \(got 0\)/],
    [['k!=v'], /key 'k!' is not allowed/],
    [[`k=${'x'.repeat(257)}`], /value of 'k' must be 1-256 characters \(got 257\)/],
    [['a=1', 'a=2'], /key 'a' is given twice/],
    [Array.from({ length: 51 }, (_, i) => `k${i}=v`), /51 keys given, SageMaker allows at most 50/],
  ])('%j is rejected', (pairs, message) => {
    expect(() => parseMetadata('--metadata', pairs)).toThrow(message);
  });
});

describe('checks', () => {
  test('names', () => {
    expect(checkName('--group', 'credit-scoring-2')).toBe('credit-scoring-2');
    for (const bad of ['', '-a', 'a-', 'a_b', 'x'.repeat(64)])
      expect(() => checkName('--group', bad)).toThrow(/--group: .* is not a SageMaker name/);
  });

  test('package ARNs must be versioned model packages', () => {
    const arn = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/credit-scoring/7';
    expect(checkPackageArn('--package', arn)).toBe(arn);
    for (const bad of [
      'credit-scoring/7',
      'arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/credit-scoring',
      // unversioned: names a package outside a group, or a group; rollouts need <group>/<version>
      'arn:aws:sagemaker:eu-west-1:123456789012:model-package/credit-scoring',
      'arn:aws:sagemaker:eu-west-1:123456789012:model-package/credit-scoring/',
      'arn:aws:s3:::b/k',
    ]) {
      expect(() => checkPackageArn('--package', bad)).toThrow(/is not a versioned model package ARN/);
    }
  });

  test('approval status, S3 URI, image URI and reason', () => {
    expect(checkApprovalStatus('--status', 'Rejected')).toBe('Rejected');
    expect(() => checkApprovalStatus('--status', 'approved')).toThrow(/allowed: Approved, PendingManualApproval, Rejected/);
    expect(checkS3Uri('--artifact', 's3://ml-models/a/model.tar.gz')).toBe('s3://ml-models/a/model.tar.gz');
    for (const bad of ['s3://ml-models', 's3://ml-models/', 'https://ml-models/a', 's3://B/x'])
      expect(() => checkS3Uri('--artifact', bad)).toThrow(/is not an S3 object URI/);
    for (const ok of ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/scoring:1.4.2', 'scoring', `r/s@sha256:${'a'.repeat(64)}`]) {
      expect(checkImageUri('--image', ok)).toBe(ok);
    }
    for (const bad of ['has space', 'r/s:', 'r//s']) expect(() => checkImageUri('--image', bad)).toThrow(/is not a container image URI/);
    expect(checkReason('--reason', '  ok  ')).toBe('ok');
    expect(() => checkReason('--reason', 'x'.repeat(1025))).toThrow(/1-1024 characters is required \(got 1025 characters\)/);
  });
});

describe('names of created resources', () => {
  test('timestamp is sortable and name-safe', () => {
    expect(timestamp(new Date('2026-11-22T17:05:09.123Z'))).toBe('20261122-170509');
  });

  test('derivedName keeps the suffix and stays within 63 characters', () => {
    expect(derivedName('scoring', 'v3-20261122-170509')).toBe('scoring-v3-20261122-170509');
    const long = derivedName(`${'a'.repeat(50)}-${'b'.repeat(20)}`, 'v3-20261122-170509');
    expect(long).toHaveLength(63);
    expect(long.endsWith('-v3-20261122-170509')).toBe(true);
    expect(derivedName(`${'a'.repeat(43)}-tail`, 'v3-20261122-170509')).toBe(`${'a'.repeat(43)}-v3-20261122-170509`);
  });

  test('packageVersion', () => {
    expect(packageVersion('arn:aws:sagemaker:eu-west-1:123456789012:model-package/scoring/12')).toBe(12);
    expect(packageVersion('arn:aws:sagemaker:eu-west-1:123456789012:model-package/unversioned')).toBeUndefined();
  });
});
