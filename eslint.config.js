import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'reports/**', '.farm/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Import boundaries (docs/architecture.md): libs never import apps; apps never import
      // another app; libs are imported through their @authfarm/<lib> alias only.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/libs/*/src/**', '../../libs/**'],
              message: 'Import a lib through @authfarm/<lib>.',
            },
            { group: ['@authfarm/*/*'], message: 'Import a lib through its public entry only.' },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/apps/**'], message: 'A lib never imports an app.' }] },
      ],
    },
  },
  // An app never imports another app: shared code belongs in a lib.
  ...['auth', 'bench', 'farm', 'gateway', 'resource'].map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/libs/*/src/**', '../../libs/**'],
              message: 'Import a lib through @authfarm/<lib>.',
            },
            { group: ['@authfarm/*/*'], message: 'Import a lib through its public entry only.' },
            {
              group: ['auth', 'bench', 'farm', 'gateway', 'resource']
                .filter((other) => other !== app)
                .map((other) => `**/${other}/src/**`),
              message: 'An app never imports another app; move shared code to a lib.',
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['**/*.js'],
    languageOptions: { globals: globals.node },
  },
);
