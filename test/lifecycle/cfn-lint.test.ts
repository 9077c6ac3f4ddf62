import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { platformStage } from '../util';

test('the Lifecycle and Airflow stacks of every environment pass cfn-lint (no errors, no warnings)', () => {
  // GIVEN the synthesized templates
  const dir = mkdtempSync(join(tmpdir(), 'lifecycle-cfn-lint-'));
  const files: string[] = [];
  for (const env of ['dev', 'staging', 'prod'] as const) {
    const stage = platformStage(env);
    for (const stack of [stage.lifecycle, ...(stage.airflow ? [stage.airflow] : [])]) {
      const file = join(dir, `${stack.stackName}.template.json`);
      writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON()));
      files.push(file);
    }
  }
  expect(files).toHaveLength(5);
  // WHEN (the repository's .cfnlintrc.yaml ignores W3005 only)
  const lint = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', ...files], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  // THEN (exit code is a bitmask: 2 errors, 4 warnings)
  expect(lint.stdout).toBe('');
  expect(lint.status! & 6).toBe(0);
});
