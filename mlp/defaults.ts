/**
 * Defaults the CLI's help prints. Here, not beside the code that uses them, so that `mlp --help`
 * and `mlp --version` load none of the commands (their AWS SDK clients, the platform's config).
 */

/** --request-timeout: one HTTP request's limit, unless the option says otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** --timeout of the endpoint commands. */
export const DEFAULT_TIMEOUT = '60m';
/** --poll-interval of the endpoint commands. */
export const DEFAULT_POLL_INTERVAL = '15s';
