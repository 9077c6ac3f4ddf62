/**
 * Test order for jest: jest's own (files that failed last time, then the slowest by the durations
 * it cached, else the largest), except that on a machine with no cached durations (a clean clone in
 * CI) the files known to take longest start first, so that neither worker ends with one of them
 * alone. The list is a hint, not a contract: a file missing here only runs in jest's order.
 */
const Sequencer = require('@jest/test-sequencer').default;

const SLOW_FIRST = [
  'test/package/consumer-app.test.ts',
  'test/local/endpoint-owner.test.ts',
  'test/lifecycle/stack.test.ts',
  'test/mlp/timeouts.test.ts',
  'test/compliance/nag.test.ts',
  'test/mlp/bin.test.ts',
  'test/features/parity.test.ts',
  'test/features/training-set.test.ts',
  'test/compute/charts.test.ts',
];

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const timed = sorted.some((t) => t.duration != null);
    if (timed) return sorted;
    const rank = (t) => {
      const i = SLOW_FIRST.findIndex((p) => t.path.endsWith(p));
      return i === -1 ? SLOW_FIRST.length : i;
    };
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowFirstSequencer;
