/**
 * jest-light-runner imports each test file with Node's own loader (no jest transform): tsx's hooks
 * let it load TypeScript, for import() (ESM) and require() (CommonJS, which our .ts files are).
 */
import { register as registerCjs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

registerCjs();
registerEsm();
