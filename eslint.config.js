import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Import boundaries (docs/architecture.md): libs are imported through their @authfarm/<lib>
// alias only; libs never import apps; an app never imports another app.
const APPS = ['auth', 'bench', 'demo', 'farm', 'gateway', 'resource'];
const THROUGH_ALIAS = [
  {
    group: ['**/libs/*/src/**', '../../libs/**'],
    message: 'Import a lib through @authfarm/<lib>.',
  },
  { group: ['@authfarm/*/*'], message: 'Import a lib through its public entry only.' },
];
const boundaries = (...patterns) => ({
  'no-restricted-imports': ['error', { patterns: [...THROUGH_ALIAS, ...patterns] }],
});

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
      ...boundaries(),
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: boundaries({ group: ['**/apps/**'], message: 'A lib never imports an app.' }),
  },
  ...APPS.map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: boundaries({
      group: APPS.filter((other) => other !== app).map((other) => `**/${other}/src/**`),
      message: 'An app never imports another app; move shared code to a lib.',
    }),
  })),
  {
    files: ['**/*.js'],
    languageOptions: { globals: globals.node },
  },
  // The console's browser code: DOM globals, typed against its own tsconfig (no Node types).
  {
    files: ['apps/gateway/console/**/*.ts'],
    languageOptions: {
      globals: globals.browser,
      parserOptions: {
        projectService: false,
        project: './tsconfig.console.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
);
