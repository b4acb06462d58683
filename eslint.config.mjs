// ESLint flat config: the recommended JavaScript and typescript-eslint rules; formatting is Prettier's (npm run format).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['cdk.out/', '.local/', 'client/dist/', 'coverage/', '.scratch/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // JSON at the boundaries (function answers, templates, SDK results) is typed `any` where it is
      // read and checked field by field; an `unknown` there would only move the casts around.
      '@typescript-eslint/no-explicit-any': 'off',
      // `_name` marks a value left out on purpose (a destructured field dropped, an unused parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // A variable a closure reads before its one assignment (the cloud in local/main.ts) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests load modules afresh with require() (jest.isolateModules, spies on node:fs).
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Pages that run in the browser (the demo, the local console, the Alipay cashier's script is inline).
    files: ['demo/**/*.js', 'local/console/page/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Plain CommonJS run by Node (the local FC runtime) or by tooling.
    files: ['**/*.js', '**/*.cjs'],
    ignores: ['demo/**', 'local/console/page/**'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
