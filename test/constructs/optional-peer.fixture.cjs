// Loaded by optional-peer.test.ts: a module that is installed but lacks one of its own dependencies.
require('./a-dependency-that-is-missing');
