/**
 * Every code example compiles: each `@example` of a JSDoc comment in constructs/ and k8s/charts/,
 * and each ```ts / ```typescript block of README.md and docs/*.md, is written to a temporary file
 * and type-checked with the repository's `tsc` (strict, as the code itself).
 *
 * How a snippet is compiled: its `import` lines are kept (relative paths resolved from the file the
 * snippet is in); its top-level `declare const …` lines are kept at module level; the rest becomes
 * the body of a `Stack` constructor, so `this` is a stack (and `stack` names it). Names the
 * examples share (`vpc`, `keys`, `lake`, `cluster`, a cdk8s `app`, …) are declared by FIXTURE below
 * unless the snippet declares or imports them itself; every construct and chart of the library is
 * in scope, as are the aws-cdk-lib modules the examples use (`ec2`, `iam`, `kms`, `s3`, …).
 *
 * Opting out (for a block that is not TypeScript code, e.g. a fragment of a config table): put the
 * line `<!-- typecheck: skip -->` right above the fence in Markdown, or `// typecheck: skip` as the
 * first line of an `@example`. Nothing else skips a block.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const SKIP_MD = '<!-- typecheck: skip -->';
const SKIP_EXAMPLE = '// typecheck: skip';

interface Snippet {
  /** Where it is: `constructs/lake/data-lake.ts:120`. */
  readonly where: string;
  /** Directory relative imports of the snippet are resolved from. */
  readonly dir: string;
  readonly code: string;
}

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'imports' || name === 'node_modules' ? [] : filesUnder(path, ext);
    return path.endsWith(ext) ? [path] : [];
  });
}

/** The `@example` blocks of a TypeScript file's JSDoc comments. */
function jsdocExamples(file: string): Snippet[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\*\s*@example\s*$/.test(lines[i])) continue;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*\*\//.test(lines[j]) && !/^\s*\*\s*@\w+/.test(lines[j]); j++) {
      body.push(lines[j].replace(/^\s*\* ?/, ''));
    }
    if (body[0]?.trim() !== SKIP_EXAMPLE) {
      snippets.push({ where: `${relative(ROOT, file)}:${i + 1}`, dir: dirname(file), code: body.join('\n') });
    }
    i = j;
  }
  return snippets;
}

/** The ```ts / ```typescript blocks of a Markdown file. */
function markdownBlocks(file: string): Snippet[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```(ts|typescript)\s*$/.test(lines[i])) continue;
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j])) j++;
    if (lines[i - 1]?.trim() !== SKIP_MD) {
      snippets.push({ where: `${relative(ROOT, file)}:${i + 1}`, dir: dirname(file), code: lines.slice(i + 1, j).join('\n') });
    }
    i = j;
  }
  return snippets;
}

function allSnippets(): Snippet[] {
  const docs = join(ROOT, 'docs');
  return [
    ...filesUnder(join(ROOT, 'constructs'), '.ts').flatMap(jsdocExamples),
    ...filesUnder(join(ROOT, 'k8s', 'charts'), '.ts').flatMap(jsdocExamples),
    ...markdownBlocks(join(ROOT, 'README.md')),
    ...readdirSync(docs)
      .filter((f) => f.endsWith('.md'))
      .flatMap((f) => markdownBlocks(join(docs, f))),
  ];
}

/** Names the examples share; each is declared unless the snippet declares or imports it. */
const FIXTURE: Record<string, string> = {
  app: 'cdk8s.App',
  vpc: 'ec2.IVpc',
  keys: 'PlatformKeys',
  audit: 'AuditBucket',
  lake: 'DataLake',
  cluster: 'eks.Cluster',
  onlineStore: 'OnlineFeatureStore',
  spark: 'SparkApplication',
  msk: 'StreamingCluster',
  endpoint: 'ModelEndpoint',
  models: 's3.IBucket',
  imageUri: 'string',
  encryptionKey: 'kms.IKey',
  logsKey: 'kms.IKey',
  accessLogsBucket: 's3.IBucket',
  data: '{ readonly lake: DataLake; readonly spark: SparkApplication; readonly streaming: StreamingCluster }',
  scorer: 'iam.IGrantable & ec2.IConnectable',
  scorerService: 'ec2.IConnectable',
  featureJob: 'iam.IGrantable',
  sparkJob: 'iam.IGrantable',
  scheduler: 'iam.IGrantable',
  airflowRole: 'iam.IGrantable',
  myJobRole: 'iam.IGrantable',
  dataScientistRole: 'iam.IGrantable',
  scoringServiceRole: 'iam.IGrantable',
  servingRole: 'iam.IGrantable',
  trainingRole: 'iam.IGrantable',
};

/** The value exports of a module (what an example may use without importing). */
function valueExports(modulePath: string): string[] {
  return Object.keys(require(modulePath)).filter((k) => k !== '__esModule' && /^[A-Za-z_$][\w$]*$/.test(k));
}

const NAMESPACES: Record<string, string> = {
  cdk8s: 'cdk8s',
  kplus: 'cdk8s-plus-34',
  ec2: 'aws-cdk-lib/aws-ec2',
  ecr: 'aws-cdk-lib/aws-ecr',
  eks: 'aws-cdk-lib/aws-eks-v2',
  iam: 'aws-cdk-lib/aws-iam',
  kms: 'aws-cdk-lib/aws-kms',
  lambda: 'aws-cdk-lib/aws-lambda',
  logs: 'aws-cdk-lib/aws-logs',
  s3: 'aws-cdk-lib/aws-s3',
  sagemaker: 'aws-cdk-lib/aws-sagemaker',
};
const CDK_NAMES = ['Duration', 'RemovalPolicy', 'Size', 'Stack'];

/** One snippet as a compilable module. */
function wrap(snippet: Snippet, library: Record<string, string[]>): string {
  const lines = snippet.code.split('\n');
  const imports: string[] = [];
  const declares: string[] = [];
  const body: string[] = [];
  let inImport = false;
  for (const line of lines) {
    if (inImport || /^import\s/.test(line)) {
      imports.push(line.replace(/from '(\.[^']*)'/, (_, p: string) => `from '${resolve(snippet.dir, p).split('\\').join('/')}'`));
      inImport = !/from\s+'[^']+';?\s*(\/\/.*)?$/.test(line) && !/^import\s+'[^']+';?/.test(line);
    } else if (/^declare\s/.test(line)) {
      declares.push(line);
    } else {
      body.push(line);
    }
  }
  const own = new Set<string>();
  for (const text of [...imports, ...declares]) {
    for (const m of text.matchAll(/\b(?:const|let|class|function)\s+([A-Za-z_$][\w$]*)/g)) own.add(m[1]);
    const braces = /\{([^}]*)\}/.exec(text);
    if (braces && /^import/.test(text)) {
      for (const part of braces[1].split(',')) {
        const name = part
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)
          .pop();
        if (name) own.add(name);
      }
    }
    const star = /\*\s+as\s+([A-Za-z_$][\w$]*)/.exec(text);
    if (star) own.add(star[1]);
  }
  const prelude = [
    "import type { Construct } from 'constructs';",
    `import { ${CDK_NAMES.filter((n) => !own.has(n)).join(', ')} } from 'aws-cdk-lib';`,
    ...Object.entries(NAMESPACES)
      .filter(([alias]) => !own.has(alias))
      .map(([alias, module]) => `import * as ${alias} from '${module}';`),
    ...Object.entries(library).map(([module, names]) => {
      const free = names.filter((n) => !own.has(n) && !CDK_NAMES.includes(n) && !(n in NAMESPACES));
      return free.length > 0 ? `import { ${free.join(', ')} } from '${module}';` : '';
    }),
  ];
  const fixture = Object.entries(FIXTURE)
    .filter(([name]) => !own.has(name))
    .map(([name, type]) => `declare const ${name}: ${type};`);
  return [
    `// ${snippet.where}`,
    ...prelude,
    ...imports,
    ...fixture,
    ...declares,
    'export class Example extends Stack {',
    '  constructor(scope: Construct, id: string) {',
    '    super(scope, id);',
    '    const stack = this;',
    ...body.map((l) => `    ${l}`),
    '  }',
    '}',
  ].join('\n');
}

describe('code examples', () => {
  test('every @example in constructs/ and k8s/charts/ and every TypeScript block of README.md and docs/ type-checks', () => {
    // GIVEN every snippet, each wrapped as a module
    const snippets = allSnippets();
    const library = {
      [join(ROOT, 'constructs').split('\\').join('/')]: valueExports(join(ROOT, 'constructs')),
      [join(ROOT, 'k8s', 'charts').split('\\').join('/')]: valueExports(join(ROOT, 'k8s', 'charts')),
    };
    const cacheDir = join(ROOT, 'node_modules', '.cache');
    mkdirSync(cacheDir, { recursive: true });
    const dir = mkdtempSync(join(cacheDir, 'examples-typecheck-'));
    try {
      const files = snippets.map((s, i) => {
        const file = join(dir, `example-${i}.ts`);
        writeFileSync(file, wrap(s, library));
        return { file: relative(dir, file), where: s.where };
      });
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          extends: join(ROOT, 'tsconfig.json'),
          compilerOptions: { noUnusedLocals: false, noUnusedParameters: false, types: ['node'] },
          include: ['*.ts'],
          exclude: [],
        }),
      );
      // WHEN tsc checks them all in one run
      let output = '';
      try {
        // (one checker: the same diagnostics for less CPU on a 2-core runner, as in scripts/check.sh)
        execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', join(dir, 'tsconfig.json'), '--checkers', '1'], {
          cwd: dir,
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        output = `${err.stdout ?? ''}${err.stderr ?? ''}`;
      }
      // THEN there is no error; each one is reported with the snippet's source location
      const errors = output
        .split('\n')
        .filter((l) => /error TS\d+/.test(l))
        .map((l) => {
          const found = files.find((f) => l.startsWith(f.file));
          return found ? `${found.where}: ${l.slice(found.file.length)}` : l;
        });
      expect(errors).toEqual([]);
      // (and there is something to check: at least one snippet per construct module)
      expect(snippets.length).toBeGreaterThan(20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
