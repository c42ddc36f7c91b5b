import path from 'node:path';
import { RuleTester } from 'eslint';
import { REPO_ROOT } from '@mc/testing';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { rules } = require('../eslint-rules/workspace-boundaries.cjs') as { rules: Record<string, any> };

const at = (file: string) => path.join(REPO_ROOT, file);
const tester = new RuleTester({ languageOptions: { ecmaVersion: 2022, sourceType: 'module' } });

describe('the workspace graph (npm run lint)', () => {
  tester.run('workspace-boundaries', rules['workspace-boundaries'], {
    valid: [
      { filename: at('apps/execution/src/intake/x.ts'), code: "import { uuidv7 } from '@mc/domain'; import { y } from '../http/y';" },
      { filename: at('apps/execution/test/x.test.ts'), code: "import { waitFor } from '@mc/testing'; import { startExecutionHarness } from '../testing';" },
      { filename: at('packages/db/src/x.ts'), code: "import { ConfigError } from '@mc/domain';" },
      { filename: at('tests/x.test.ts'), code: "import { startControlHarness } from '@mc/control/testing'; import { readExecutionEnv } from '@mc/execution';" },
      { filename: at('bench/x.ts'), code: "import { startSmtpSink } from '@mc/smtp-sink'; import { y } from './support';" },
    ],
    invalid: [
      { filename: at('packages/http/src/x.ts'), code: "import { readControlEnv } from '@mc/control';", errors: [{ message: /packages never depend on apps/ }, { message: /not declared in packages\/http\/package.json/ }] },
      { filename: at('apps/execution/src/x.ts'), code: "import { a } from '@mc/control';", errors: [{ message: /apps never import each other/ }, { message: /not declared/ }] },
      { filename: at('apps/execution/test/x.test.ts'), code: "import { a } from '@mc/control/testing';", errors: [{ message: /apps never import each other/ }, { message: /not declared/ }] },
      { filename: at('bench/x.ts'), code: "import { a } from '@mc/execution/src/env';", errors: [{ message: /reaches into @mc\/execution/ }] },
      { filename: at('scripts/x.ts'), code: "import { a } from '../apps/control/src/env';", errors: [{ message: /leaves scripts\/ by a relative path/ }] },
      { filename: at('packages/http/src/x.ts'), code: "import { a } from '../../db/src/database';", errors: [{ message: /leaves @mc\/http by a relative path/ }] },
      { filename: at('apps/control/src/x.ts'), code: "import { a } from '@mc/testing';", errors: [{ message: /src imports test support/ }] },
      { filename: at('packages/domain/src/x.ts'), code: "export * from '@mc/db';", errors: [{ message: /@mc\/db is not declared in packages\/domain\/package.json/ }] },
      { filename: at('apps/control/test/x.test.ts'), code: "import { a } from '@mc/control';", errors: [{ message: /imports itself by name/ }] },
    ],
  });
});
