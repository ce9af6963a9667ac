// ESLint flat config: typescript-eslint's type-checked recommendations over the project's TypeScript.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'src/gen/**',
      'dist/**',
      'dist.*/**',
      'node_modules/**',
      '.proto-build/**',
      'bin/**',
      'scripts/**/*.mjs',
      'eslint.config.js',
      '.dependency-cruiser.mjs',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    // Source files stay small enough to read (DESIGN.md §9); an exception needs a reason comment
    // (`/* eslint-disable max-lines -- why */`). Layering and import cycles: .dependency-cruiser.mjs.
    files: ['src/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 600 }] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
);
