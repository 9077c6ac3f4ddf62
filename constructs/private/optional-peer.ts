/**
 * Loads an optional peer dependency of the published library (`@ml-platform/constructs`), or
 * `undefined` when the app using the library has not installed it. The compliance packs
 * (cdk-nag) and the kubectl layer are such peers: a team that deploys a model endpoint needs
 * neither, so the library does not make every team install them.
 */
export function optionalPeer<T>(id: string): T | undefined {
  try {
    return require(id) as T;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(`'${id}'`)) return undefined;
    throw e;
  }
}
