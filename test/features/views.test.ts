import { type FeatureView, featureViewProblems } from '../../jobs/features/definition';
import { FEATURE_GROUPS } from '../../lib/feature-store/feature-groups';
import { APPLICANT_TXN_AGGREGATES_VIEW, FEATURE_VIEWS, featureGroupOf } from '../../lib/features';

test("the feature groups the stacks declare are derived from the views, with the worked example's names and types", () => {
  // GIVEN the committed views WHEN the environments' feature groups are read
  const group = FEATURE_GROUPS.find((g) => g.name === 'applicant_txn_aggregates');
  // THEN the group is the view's derivation, and carries the types item 7 of issue 12 implies
  expect(FEATURE_GROUPS).toStrictEqual(FEATURE_VIEWS.map(featureGroupOf));
  expect(group?.entityKeys).toEqual([{ name: 'applicant_id', type: 'string' }]);
  expect(Object.fromEntries((group?.features ?? []).map((f) => [f.name, f.type]))).toEqual({
    txn_count_1h: 'bigint',
    txn_amount_sum_1h: 'double',
    txn_count_24h: 'bigint',
    txn_amount_sum_24h: 'double',
    txn_amount_max_24h: 'double',
    txn_count_30d: 'bigint',
    txn_amount_avg_30d: 'double',
    distinct_merchants_30d: 'bigint',
    declined_ratio_30d: 'double',
  });
  expect(group?.source).toEqual({ kind: 'stream', topic: 'card-transactions' });
  expect(group?.onlineTtlSeconds).toBe(2 * 24 * 3600);
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
