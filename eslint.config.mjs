// ESLint flat config: typed rules for every TypeScript source, and nx module-boundary rules driven
// by the `nx.tags` of each package.json (libs never import services, core imports nothing of ours…).
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', '.nx/**', 'bench/results/**', '**/*.mjs', '**/*.js'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportAllDeclaration', message: 'List exports by hand (no export *).' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          enforceBuildableLibDependency: false,
          depConstraints: [
            { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:telemetry', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:store', onlyDependOnLibsWithTags: ['type:core', 'type:testing'] },
            { sourceTag: 'type:tokens', onlyDependOnLibsWithTags: ['type:core', 'type:store'] },
            { sourceTag: 'type:config', onlyDependOnLibsWithTags: ['type:core', 'type:testing'] },
            { sourceTag: 'type:xds', onlyDependOnLibsWithTags: ['type:core', 'type:store', 'type:telemetry', 'type:tokens'] },
            { sourceTag: 'type:api', onlyDependOnLibsWithTags: ['type:core', 'type:store', 'type:tokens', 'type:telemetry', 'type:testing'] },
            { sourceTag: 'type:kds', onlyDependOnLibsWithTags: ['type:core', 'type:store', 'type:telemetry', 'type:testing'] },
            { sourceTag: 'type:policies', onlyDependOnLibsWithTags: ['type:core', 'type:xds', 'type:testing'] },
            { sourceTag: 'type:zone', onlyDependOnLibsWithTags: ['type:core', 'type:store', 'type:tokens', 'type:telemetry', 'type:xds', 'type:policies', 'type:api'] },
            { sourceTag: 'type:runtime', onlyDependOnLibsWithTags: ['type:core', 'type:store', 'type:tokens', 'type:telemetry', 'type:config', 'type:api', 'type:xds'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:core', 'type:store', 'type:tokens', 'type:telemetry', 'type:config', 'type:api', 'type:runtime', 'type:xds', 'type:policies', 'type:zone', 'type:kds'] },
            { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:core', 'type:store', 'type:tokens', 'type:telemetry', 'type:config', 'type:api', 'type:runtime', 'type:xds', 'type:policies', 'type:zone', 'type:kds', 'type:testing'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:core', 'type:store', 'type:tokens', 'type:telemetry', 'type:config', 'type:api', 'type:runtime', 'type:xds', 'type:policies', 'type:zone', 'type:kds', 'type:testing'] },
            { sourceTag: 'scope:shared', notDependOnLibsWithTags: ['scope:zone', 'scope:global'] },
            { sourceTag: 'scope:zone', notDependOnLibsWithTags: ['scope:global'] },
            { sourceTag: 'scope:global', notDependOnLibsWithTags: ['scope:zone'] },
          ],
        },
      ],
    },
  },
);
