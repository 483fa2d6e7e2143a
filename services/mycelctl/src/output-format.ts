import { stringify as stringifyYaml } from 'yaml';

/** The `-o` choices of commands that print resources. */
export const OUTPUT_FORMATS = ['table', 'yaml', 'json'] as const;
/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * `value` as YAML or JSON text ending with a newline. Object keys keep their order (the control
 * plane sends envelopes in a fixed order); long strings such as tokens and base64 are never folded.
 */
export function formatData(format: 'yaml' | 'json', value: unknown): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  return stringifyYaml(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
