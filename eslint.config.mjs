// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from './eslint-rules/workspace-boundaries.cjs';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'packages/db/generated/**', 'packages/client/dist/**', 'coverage/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.mjs', 'eslint-rules/*.cjs', 'packages/client/build.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read the environment through the app env schema (env.ts) only.' }],
    },
  },
  {
    // The dependency graph declared in the package.json files (eslint-rules/workspace-boundaries.cjs).
    files: ['apps/**', 'packages/**', 'tests/**', 'bench/**', 'scripts/**'],
    plugins: { mc: boundaries },
    rules: { 'mc/workspace-boundaries': 'error' },
  },
  {
    // One home for SQL per app: statements live in src/sql/, one operation per file (README, "Where code goes").
    files: ['apps/*/src/**'],
    ignores: ['apps/*/src/sql/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='query']", message: 'SQL lives in src/sql/, one operation per file: call its function.' },
        { selector: 'MemberExpression[property.name=/^\\$(queryRaw|executeRaw)/]', message: 'SQL lives in src/sql/, one operation per file: call its function.' },
      ],
    },
  },
  {
    // The development launcher sets defaults into the environment before the app reads it.
    files: ['**/env.ts', 'packages/testing/**', 'bench/**', '**/test/**', '**/testing/**', 'tests/**', 'scripts/start-local.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Tests read JSON answers as `any` on purpose: the assertions are the type check.
    files: ['packages/testing/**', '**/test/**', '**/testing/**', 'tests/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
