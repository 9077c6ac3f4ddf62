import { validate } from '../../lib/config';
import { configWith, environmentsWith } from '../util';

type Env = 'dev' | 'staging' | 'prod';

/** Problems reported when one environment is changed. */
function problemsOf(name: Env, change: (c: any) => void): string[] {
  return validate(environmentsWith(configWith(name, change)));
}

describe('security rules', () => {
  const cases: Array<[string, Env, (c: any) => void, string]> = [
    [
      'retention CloudWatch does not offer',
      'dev',
      (c: any) => (c.logging.retentionDays = 45),
      'dev.logging.retentionDays: 45 is not allowed; expected one of 1, 3, 5, 7, 14, 30, 60, 90',
    ],
    [
      'prod logs kept less than a year',
      'prod',
      (c: any) => (c.logging.retentionDays = 90),
      'prod.logging.retentionDays: 90 is too short; prod keeps logs at least 365 days',
    ],
    [
      'prod alarms that page nobody',
      'prod',
      (c: any) => (c.oncall.page = { emails: [], httpsEndpoints: [] }),
      'prod.oncall.page: {"emails":[],"httpsEndpoints":[]} has no subscription; prod\'s pages would notify nobody (add an e-mail address or an https:// endpoint)',
    ],
    [
      'staging tickets that reach nobody',
      'staging',
      (c: any) => (c.oncall.ticket = { emails: [] }),
      'staging.oncall.ticket: {"emails":[]} has no subscription; staging\'s tickets would notify nobody (add an e-mail address or an https:// endpoint)',
    ],
    [
      'a ticket endpoint without TLS',
      'dev',
      (c: any) => (c.oncall.ticket = { httpsEndpoints: ['http://tickets.example.com/x'] }),
      "dev.oncall.ticket.httpsEndpoints[0]: 'http://tickets.example.com/x' is not an https:// URL (only TLS endpoints are allowed)",
    ],
    [
      'a pager endpoint without TLS',
      'staging',
      (c: any) => (c.oncall.page = { httpsEndpoints: ['http://pager.example.com/x'] }),
      "staging.oncall.page.httpsEndpoints[0]: 'http://pager.example.com/x' is not an https:// URL (only TLS endpoints are allowed)",
    ],
    [
      'a malformed e-mail address',
      'dev',
      (c: any) => (c.oncall.page = { emails: ['oncall'] }),
      "dev.oncall.page.emails[0]: 'oncall' is not an e-mail address",
    ],
    ['a missing oncall section', 'dev', (c: any) => delete c.oncall, 'dev.oncall: undefined is not allowed; the section is required'],
    [
      'audit expiring before a year',
      'staging',
      (c: any) => (c.audit.expirationDays = 100),
      'staging.audit.expirationDays: 100 is not allowed; expected a whole number from 365 to 3650',
    ],
    [
      'audit transition after expiry',
      'staging',
      (c: any) => (c.audit.transitionToGlacierDays = 500),
      'staging.audit.transitionToGlacierDays: 500 must be less than audit.expirationDays (400)',
    ],
  ];
  test.each(cases)('%s', (_title, env, change, message) => {
    // GIVEN: one committed environment with one change
    // WHEN
    const problems = problemsOf(env, change);
    // THEN: the problem names the environment, the field, the value and what is allowed
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });
});
