import { cacheAslValidatorSchemas } from './asl-validator-cache';

// asl-validator is CommonJS without types: `validator(definition, options?) -> { isValid, errorsText() }`.
const aslValidator = require('asl-validator') as (
  d: unknown,
  o?: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string };

const task = (resource: string) => ({
  StartAt: 'Run',
  States: { Run: { Type: 'Task', Resource: resource, ResultPath: '$.out', End: true } },
});

describe('asl-validator with its schema compiled once per worker (test/setup.ts turns the cache on)', () => {
  test('turning it on twice is harmless', () => {
    cacheAslValidatorSchemas();
    cacheAslValidatorSchemas();
    expect(aslValidator(task('arn:aws:states:::lambda:invoke')).isValid).toBe(true);
  });

  test('an invalid definition is still invalid, with the same errors, on every call', () => {
    const bad = { StartAt: 'Run', States: { Run: { Type: 'Teleport', End: true } } };
    const first = aslValidator(bad);
    const second = aslValidator(bad);
    expect(first.isValid).toBe(false);
    expect(second.isValid).toBe(false);
    expect(second.errorsText('\n')).toBe(first.errorsText('\n'));
    expect(first.errorsText('\n')).toMatch(/Type/);
  });

  test('each set of options keeps its own formats: an ARN check on, off, on', () => {
    const badArn = task('not-an-arn');
    expect(aslValidator(badArn).isValid).toBe(false);
    expect(aslValidator(badArn, { checkPaths: true, checkArn: false }).isValid).toBe(true);
    expect(aslValidator(badArn).isValid).toBe(false);
  });

  test('each call validates its own definition (a valid one after an invalid one passes)', () => {
    expect(aslValidator({ StartAt: 'X', States: {} }).isValid).toBe(false);
    expect(aslValidator(task('arn:aws:states:::sns:publish')).isValid).toBe(true);
  });
});
