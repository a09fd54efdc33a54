// Lint, and the architecture's boundaries: they are enforced here, not by hope.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const NODE_IO = [
  'fs',
  'fs/promises',
  'child_process',
  'net',
  'http',
  'https',
  'os',
  'dgram',
  'tls',
  'worker_threads',
];
const nodeIo = NODE_IO.flatMap((m) => [m, `node:${m}`]);
const nodeBuiltins = [
  ...new Set(builtinModules.flatMap((m) => (m.startsWith('node:') ? [m] : [m, `node:${m}`]))),
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'test/fixtures/**',
      'renderer/dist/**',
      'test-results/**',
      'release/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: "Only electron/ imports 'electron'." }] },
      ],
    },
  },
  {
    // core is pure: no I/O, no native modules, no adapters.
    files: ['agent/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: "Only electron/ imports 'electron'." },
            { name: 'better-sqlite3', message: 'agent/core does no I/O: use the Store port.' },
            { name: 'pino', message: 'agent/core does no I/O.' },
            ...nodeIo.map((name) => ({
              name,
              message: 'agent/core does no I/O: put it behind a port in agent/ports.',
            })),
          ],
          patterns: [
            {
              group: ['**/adapters/**', '**/cli/**', '**/daemon/**', '**/api/**'],
              message: 'core depends on nothing but itself.',
            },
          ],
        },
      ],
    },
  },
  {
    // ports are interfaces: they may name core types, nothing concrete.
    files: ['agent/ports/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/adapters/**', '**/cli/**', '**/daemon/**', '**/api/**', 'better-sqlite3'],
              message: 'ports are interfaces only.',
            },
          ],
        },
      ],
    },
  },
  {
    // adapters implement ports; they never reach up into the CLI, daemon or API.
    files: ['agent/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: "Only electron/ imports 'electron'." }],
          patterns: [
            {
              group: ['**/cli/**', '**/daemon/**', '**/api/**'],
              message: 'adapters implement ports; they do not call up.',
            },
          ],
        },
      ],
    },
  },
  ...['systemd', 'launchd'].map((backend) => ({
    // Each backend stands alone: what both need (the launcher's contract) lives in adapters/launcher/.
    // (Repeats the adapters rule above: a later rule replaces an earlier one for the same files.)
    files: [`agent/adapters/${backend}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: "Only electron/ imports 'electron'." }],
          patterns: [
            {
              group: ['**/cli/**', '**/daemon/**', '**/api/**'],
              message: 'adapters implement ports; they do not call up.',
            },
            {
              group: [`**/${backend === 'systemd' ? 'launchd' : 'systemd'}/**`],
              message:
                'one service-manager backend does not import the other; share through agent/adapters/launcher/ or core.',
            },
          ],
        },
      ],
    },
  })),
  {
    // child processes go through the one ProcessRunner (agent/adapters/process/).
    files: ['agent/**/*.ts'],
    ignores: ['agent/adapters/process/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportDeclaration[source.value=/^(node:)?child_process$/]',
          message: 'Run child processes through the ProcessRunner port (agent/adapters/process/).',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // renderer/ runs in a browser: no node built-ins, no electron, and from agent/ only the API contract
    // (agent/api/contract.js and the route/type modules it re-exports).
    files: ['renderer/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: "Only electron/ imports 'electron'; the page talks to it through window.vigilDesktop.",
            },
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'renderer/ runs in a browser: no Node built-ins.',
            })),
          ],
          patterns: [
            {
              regex: '(^|/)agent/(?!api/(contract|route-spec|sse-wire|routes/[a-z0-9-]+)\\.js$)',
              message:
                'renderer/ imports only the API contract (agent/api/contract.js and the modules it re-exports).',
            },
            { regex: '(^|/)electron/', message: 'renderer/ does not import the desktop shell.' },
            {
              regex: '^(better-sqlite3|pino|prom-client|yaml|zod|plist|@pydantic/genai-prices)$',
              message: 'a server-side package in the browser bundle',
            },
          ],
        },
      ],
    },
  },
  {
    // electron/ is the only place that imports 'electron'; it never reaches into the renderer's code.
    files: ['electron/**/*.{ts,cts,mts}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)renderer/(?!src/desktop\\.js$)',
              message: 'electron/ loads the UI from the agent; it shares only the bridge type.',
            },
          ],
        },
      ],
    },
  },
);
