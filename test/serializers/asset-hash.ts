/**
 * Snapshot serializer: replaces 64-hex asset hashes (asset keys, zip names, image tags) so that a
 * snapshot changes only when the template does, not when a bundled asset's bytes do.
 */
const HASH = /[0-9a-f]{64}/g;
const MARK = '[ASSET-HASH]';

module.exports = {
  test: (value: unknown) => typeof value === 'string' && HASH.test(value) && !value.includes(MARK),
  serialize: (
    value: string,
    config: unknown,
    indentation: string,
    depth: number,
    refs: unknown,
    printer: (v: unknown, ...rest: unknown[]) => string,
  ) => printer(value.replace(HASH, MARK), config, indentation, depth, refs),
};
