import { type FeatureView, featureViewProblems } from '../../jobs/features/definition';
import { APPLICANT_TRANSACTION_AGGREGATES } from '../../lib/config/feature-groups';
import { APPLICANT_TXN_AGGREGATES_VIEW, FEATURE_VIEWS, featureGroupOf } from '../../lib/features';

test('the committed view derives exactly the hand-written feature group of lib/config', () => {
  // GIVEN the view WHEN today's FeatureGroupConfig is derived from it THEN it equals the hand-written entry
  expect(featureGroupOf(APPLICANT_TXN_AGGREGATES_VIEW)).toStrictEqual(APPLICANT_TRANSACTION_AGGREGATES);
});

test('every committed view is valid', () => {
  // GIVEN the views WHEN checked THEN no problems
  for (const v of FEATURE_VIEWS) expect(featureViewProblems(v)).toStrictEqual([]);
});

const bad = (patch: Partial<FeatureView>): FeatureView => ({ ...APPLICANT_TXN_AGGREGATES_VIEW, ...patch });

test.each<[string, Partial<FeatureView>, RegExp]>([
  ['a name that is not snake_case', { name: 'Txn-Aggs' }, /name 'Txn-Aggs' must be snake_case, 3-63 characters/],
  ['a TTL out of range', { onlineTtlSeconds: 10 }, /onlineTtlSeconds 10; allowed a whole number from 60 to 2592000/],
  ['no entity key', { entityKeys: [] }, /entityKeys has 0 keys; allowed 1 to 3/],
  [
    'a window that is not <n>m|h|d',
    { features: [{ name: 'c', aggregation: 'count', window: '1w' as never }] },
    /feature 'c': window '1w'; allowed <n>m, <n>h or <n>d .*at most 90d/,
  ],
  [
    'a sum of a string field',
    { features: [{ name: 's', aggregation: 'sum', field: 'status', window: '1h' }] },
    /feature 's': sum of field 'status' of type string; allowed on double or bigint fields/,
  ],
  [
    'an unknown field',
    { features: [{ name: 'm', aggregation: 'max', field: 'amt', window: '1h' }] },
    /feature 'm': field 'amt' is not one of the view's fields \(merchant_id, amount, status\)/,
  ],
  [
    'a filter value of the wrong type',
    { features: [{ name: 'c', aggregation: 'count', window: '1h', filter: { field: 'amount', op: '==', value: 'x' } }] },
    /feature 'c': filter value "x" is not a double like field 'amount'/,
  ],
  [
    'an unknown aggregation',
    { features: [{ name: 'p', aggregation: 'p99' as never, field: 'amount', window: '1h' }] },
    /feature 'p': aggregation 'p99'; allowed count, sum, min, max, avg, last, distinct_count, ratio/,
  ],
  [
    'a feature declared twice',
    { features: [...APPLICANT_TXN_AGGREGATES_VIEW.features, APPLICANT_TXN_AGGREGATES_VIEW.features[0]] },
    /feature 'txn_count_1h' is declared twice/,
  ],
  [
    'a quote in a filter value',
    { features: [{ name: 'c', aggregation: 'count', window: '1h', filter: { field: 'status', op: '==', value: "a'b" } }] },
    /may not contain quotes/,
  ],
])('a view with %s is rejected with a line naming field, value and what is allowed', (_label, patch, message) => {
  // GIVEN a broken view WHEN checked THEN exactly the problem is reported, one line
  const problems = featureViewProblems(bad(patch));
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(message);
  expect(problems[0]).not.toContain('\n');
});
