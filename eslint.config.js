import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * The library's layers import one way (nest -> http -> manager -> protocol, cache -> config; errors.ts,
 * access-token.ts and token-logger.ts are leaves), and nothing outside nest/ imports Nest, so the core also runs in a
 * plain Node service. Each entry: a layer's folder and the folders (and packages) it must not import.
 */
const LIB = 'libs/access-token-management/src';
const LAYER_RULES = [
  { layer: 'config', forbidden: ['protocol', 'cache', 'manager', 'http', 'nest'] },
  { layer: 'protocol', forbidden: ['cache', 'manager', 'http', 'nest'] },
  { layer: 'cache', forbidden: ['protocol', 'manager', 'http', 'nest'] },
  { layer: 'manager', forbidden: ['http', 'nest'] },
  { layer: 'http', forbidden: ['protocol', 'cache', 'nest'] },
];
const layerRules = LAYER_RULES.map(({ layer, forbidden }) => ({
  files: [`${LIB}/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...forbidden.map((folder) => ({
            group: [`**/${folder}/*`],
            message: `${layer}/ must not import ${folder}/: the layers import one way (README, Development).`,
          })),
          { group: ['@nestjs/*'], message: 'Only nest/ imports Nest: the core runs without it.' },
        ],
      },
    ],
  },
}));
const leafRules = {
  files: [`${LIB}/errors.ts`, `${LIB}/access-token.ts`, `${LIB}/token-logger.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: ['./*/*'], message: 'A shared leaf imports no layer.' },
          { group: ['@nestjs/*'], message: 'Only nest/ imports Nest.' },
        ],
      },
    ],
  },
};

/**
 * The core (every layer but nest/, and the `./core` entry) loads no Nest and no rxjs, and axios and jose only when
 * used: their values come through http/axios-module.ts and protocol/jose-module.ts, which import them on first use.
 * A heap that holds them without using them makes every garbage collection of a busy process dearer.
 */
const coreRules = {
  files: [
    ...['config', 'protocol', 'cache', 'manager', 'http'].map((layer) => `${LIB}/${layer}/**/*.ts`),
    `${LIB}/core.ts`,
  ],
  ignores: ['**/*.spec.ts'],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: [
          { name: 'rxjs', message: 'The core loads no rxjs: it runs without Nest.' },
          ...['axios', 'jose'].map((name) => ({
            name,
            allowTypeImports: true,
            message: `The core loads ${name} only when used: take it from ${name === 'axios' ? 'http/axios-module.ts' : 'protocol/jose-module.ts'}.`,
          })),
        ],
        patterns: [
          { group: ['@nestjs/*'], message: 'Only nest/ imports Nest: the core runs without it.' },
          { group: ['**/nest/*'], message: 'The core does not import the Nest layer.' },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/**', '**/dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', URL: 'readonly' },
    },
  },
  ...layerRules,
  leafRules,
  coreRules,
);
