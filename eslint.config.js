import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** Imports a folder must never make (DESIGN.md, "Layout"). */
const forbid = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'load-tests/k6/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    files: ['client-sdk/src/protocol/**'],
    rules: forbid(
      [
        'socket.io*',
        'uWebSockets.js',
        'ioredis',
        'mediasoup*',
        'pino',
        'jose',
        '**/server/**',
        '**/rooms/**',
        '**/media/**',
        '../*.js',
        'node:*',
      ],
      'The protocol depends on zod only.',
    ),
  },
  {
    files: ['client-sdk/**'],
    ignores: [
      'client-sdk/src/protocol/**',
      'client-sdk/build/**',
      'client-sdk/app/**',
      'client-sdk/**/*.test.ts',
      'client-sdk/**/*.test-d.ts',
    ],
    rules: forbid(
      [
        'socket.io',
        'socket.io-adapter',
        'uWebSockets.js',
        'ioredis',
        'mediasoup',
        'pino',
        'jose',
        '**/server/**',
        '**/rooms/**',
        '**/media/**',
        '**/load-tests/**',
        'node:*',
      ],
      'The SDK may import the protocol, socket.io-client and mediasoup-client only.',
    ),
  },
  {
    files: ['client-sdk/app/src/**'],
    rules: forbid(
      [
        'socket.io',
        'socket.io-adapter',
        'uWebSockets.js',
        'ioredis',
        'mediasoup',
        'pino',
        'jose',
        'zod',
        '**/server/**',
        '**/rooms/**',
        '**/load-tests/**',
        '**/protocol/*.js',
        'node:*',
      ],
      'The app is built on the SDK (client-sdk/src) and Preact: never the server, the domain or zod.',
    ),
  },
  {
    files: ['rooms/**'],
    rules: forbid(
      [
        'socket.io*',
        'uWebSockets.js',
        'ioredis',
        'mediasoup*',
        'pino',
        '**/server/**',
        '**/media/**',
        '**/load-tests/**',
        '**/client-sdk/src/*.js',
      ],
      'rooms/ is the domain: protocol and its own ports only.',
    ),
  },
  {
    files: ['media/**'],
    rules: forbid(
      ['socket.io*', 'uWebSockets.js', 'ioredis', '**/server/**', '**/rooms/**'],
      'media/ may import mediasoup and the protocol only.',
    ),
  },
  {
    files: ['load-tests/**'],
    ignores: ['load-tests/baselines/**', 'load-tests/**/*.test.ts'],
    rules: forbid(
      ['**/server/**', '**/rooms/**', '**/media/**'],
      'load-tests/ drive the server from outside: client-sdk and protocol only.',
    ),
  },
  {
    files: ['**/*.test.ts', '**/*.test-d.ts', 'test/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // expect.any() and friends are typed `any`
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
