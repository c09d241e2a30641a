// Lint: typescript-eslint's recommended rules on the TypeScript sources (and the console page's JS).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'lab/cache/', 'lab/run/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': ['error', { allow: ['error'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['test/**/*.ts', 'bench/**/*.ts', 'src/cli/**/*.ts'], rules: { 'no-console': 'off' } },
  // The operator console's page runs in the browser.
  { files: ['src/console/public/**/*.js'], languageOptions: { globals: globals.browser } },
);
