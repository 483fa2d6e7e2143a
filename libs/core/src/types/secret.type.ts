import type { ResourceTypeDescriptor } from '../descriptor';
import type { Violation } from '../validation';
import { Violations } from '../validation';
import { GLOBAL_TO_ZONE } from './kds-flags';

/** Largest secret payload accepted, in decoded bytes (1 MiB). */
export const MAX_SECRET_BYTES = 1024 * 1024;

/** Spec of a `Secret` or `GlobalSecret`. */
export interface SecretSpec {
  /** The payload, standard base64 with padding (RFC 4648 §4); at most {@link MAX_SECRET_BYTES} once decoded. */
  readonly data: string;
}

const NOT_BASE64 = /[^A-Za-z0-9+/=]/;

/**
 * Reason `data` is not padded standard base64 of at most {@link MAX_SECRET_BYTES} bytes, or undefined.
 * Reasons give lengths and offsets but never the content, since they end up in logs and API answers.
 */
export function secretDataProblem(data: string): string | undefined {
  const bad = NOT_BASE64.exec(data);
  if (bad) return `must be standard base64 (A-Z, a-z, 0-9, '+', '/', '=' padding), got another character at offset ${bad.index}`;
  const firstPad = data.indexOf('=');
  const tail = firstPad < 0 ? '' : data.slice(firstPad);
  if (tail.length > 2 || /[^=]/.test(tail)) {
    return `must be standard base64 with '=' only as the last one or two characters, got '=' at offset ${firstPad}`;
  }
  if (data.length % 4 !== 0) return `must be standard base64 padded with '=' to a multiple of 4 characters, got ${data.length} characters`;
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  const bytes = (data.length / 4) * 3 - padding;
  if (bytes > MAX_SECRET_BYTES) return `must be at most ${MAX_SECRET_BYTES} bytes (1 MiB) once decoded, got ${bytes} bytes`;
  return undefined;
}

/** Validates a Secret or GlobalSecret spec; every violation's field starts with `spec`. */
export function validateSecretSpec(spec: unknown): Violation[] {
  const v = new Violations();
  const s = v.object(spec, 'spec', ['data']);
  const data = s && v.string(s['data'], 'spec.data');
  const problem = data === undefined ? undefined : secretDataProblem(data);
  if (problem) v.add('spec.data', problem);
  return v.all;
}

/** `Secret`: mesh-scoped secret material (e.g. a provided CA's key), sent from global to every zone. */
export const SecretType: ResourceTypeDescriptor = Object.freeze({
  name: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  scope: 'mesh',
  kds: GLOBAL_TO_ZONE,
  isPolicy: false,
  readOnly: false,
  sensitive: true,
  description: 'Secret material of one mesh, such as a provided CA certificate and key; base64 data, at most 1 MiB.',
  validate: (spec: unknown) => validateSecretSpec(spec),
});
