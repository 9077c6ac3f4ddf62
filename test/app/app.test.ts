import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { buildPlatformApp, parseEnvSelection, UsageError } from '../../lib/app';
import { ConfigValidationError, ENVIRONMENTS } from '../../lib/config';
import { configWith, environmentsWith, testApp } from '../util';

describe('environment selection', () => {
  test.each([
    [undefined, []],
    ['', []],
    ['all', []],
    ['prod', ['prod']],
    ['dev,staging', ['dev', 'staging']],
  ])('env=%p selects %p', (value, expected) => {
    expect(parseEnvSelection(value)).toEqual(expected);
  });

  test('an unknown environment is a usage error naming what is allowed', () => {
    expect(() => parseEnvSelection('qa')).toThrow(UsageError);
    expect(() => parseEnvSelection('qa')).toThrow("context env: 'qa' is not allowed; expected one or more of dev, staging, prod");
  });
});

describe('buildPlatformApp', () => {
  test('one Stage per environment with ids dev, staging and prod, stacks named MlPlatform-<env>-<Part>', () => {
    const stages = buildPlatformApp(testApp(), { compliance: false });
    expect(Object.keys(stages)).toEqual(['dev', 'staging', 'prod']);
    for (const [name, stage] of Object.entries(stages)) {
      expect(stage!.node.id).toBe(name);
      const stackNames = stage!.node.children.filter((c): c is Stack => c instanceof Stack).map((s) => s.stackName);
      expect(stackNames).toEqual(expect.arrayContaining([`MlPlatform-${name}-Security`, `MlPlatform-${name}-Network`]));
      for (const stack of stage!.node.children.filter((c): c is Stack => c instanceof Stack)) {
        expect(stack.account).toBe(ENVIRONMENTS[name as 'dev'].account);
        expect(stack.region).toBe(ENVIRONMENTS[name as 'dev'].region);
      }
    }
  });

  test('only builds the selected environments', () => {
    const stages = buildPlatformApp(testApp(), { compliance: false, only: ['prod'] });
    expect(Object.keys(stages)).toEqual(['prod']);
  });

  test('a bad environment stops everything before any stack is created', () => {
    const app = testApp();
    const bad = environmentsWith(configWith('staging', (c) => (c.network.natGateways = 7)));
    expect(() => buildPlatformApp(app, { environments: bad, only: ['dev'] })).toThrow(ConfigValidationError);
    expect(app.node.children).toHaveLength(0);
  });
});

describe('bin/ml-platform.ts', () => {
  test('a bad -c env prints one line naming the field and exits 1, without a stack trace', () => {
    // (as cdk.json's app runs it)
    const result = spawnSync(process.execPath, ['--require', './scripts/ts-register.cjs', 'bin/ml-platform.ts'], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ env: 'qa' }), CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'mlp-')) },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      "context env: 'qa' is not allowed; expected one or more of dev, staging, prod (comma-separated) or 'all'",
    );
  });
});
