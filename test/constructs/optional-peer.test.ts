import { optionalPeer } from '../../constructs/private/optional-peer';

describe('optionalPeer', () => {
  test('an installed peer loads', () => {
    expect(optionalPeer<{ rules: object }>('cdk-nag')?.rules).toBeDefined();
  });

  test('a peer the app did not install is undefined (the construct then skips what needs it)', () => {
    expect(optionalPeer('@ml-platform/not-installed-peer')).toBeUndefined();
  });

  test('an installed peer missing one of its own dependencies is an error, not an absent peer', () => {
    expect(() => optionalPeer(require.resolve('./optional-peer.fixture.cjs'))).toThrow(/a-dependency-that-is-missing/);
  });
});
