// Lint: type-aware rules for promise handling everywhere, and a fence around workflow code,
// which must stay deterministic (no Node built-ins, no I/O clients, no activity runtime).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import prettier from 'eslint-config-prettier';

const ioModules = [
  'pg',
  '@elastic/elasticsearch',
  'neo4j-driver',
  'openai',
  'express',
  'pino',
  'pino-http',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
];
const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.stack/', '.test-artifacts/', 'deploy/', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The reviewer console is plain browser JavaScript, outside the TypeScript project.
    files: ['src/api/console/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'module',
      parserOptions: { projectService: false, program: null, project: false },
      globals: {
        document: 'readonly',
        window: 'readonly',
        fetch: 'readonly',
        sessionStorage: 'readonly',
        EventSource: 'readonly',
        FormData: 'readonly',
        atob: 'readonly',
        URL: 'readonly',
      },
    },
  },
  {
    // node:test's describe/it return promises the runner tracks; tests read untyped JSON bodies.
    files: ['tests/**/*.ts', 'bench/**/*.ts', 'faults/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Activity functions are plain closures, passed around by reference in tests and benches.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['src/workflows/**/*.ts', 'tests/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, ...ioModules].map((name) => ({
            name,
            message: 'Workflow code must be deterministic: do I/O in an activity.',
            allowTypeImports: true,
          })),
          patterns: [
            { group: ['**/activities/*', '!**/activities/*.d.ts'], message: 'Import activities as types only.', allowTypeImports: true },
            {
              group: ['**/stores/*', '**/api/*', '**/runtime/*', '**/worker/*'],
              message: 'Workflow code must not reach infrastructure modules.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  // Formatting is Prettier's job (npm run format); turn off the lint rules that would fight it.
  prettier,
);
