import type { ResourceTypeDescriptor } from '../descriptor';
import { GLOBAL_TO_ZONE } from './kds-flags';
import type { SecretSpec } from './secret.type';
import { validateSecretSpec } from './secret.type';

/** Spec of a `GlobalSecret`: the same shape as a Secret's. */
export type GlobalSecretSpec = SecretSpec;

/** `GlobalSecret`: secret material that belongs to no mesh (e.g. zone tokens' signing keys), sent from global to every zone. */
export const GlobalSecretType: ResourceTypeDescriptor = Object.freeze({
  name: 'GlobalSecret',
  plural: 'global-secrets',
  singular: 'global-secret',
  scope: 'global',
  kds: GLOBAL_TO_ZONE,
  isPolicy: false,
  readOnly: false,
  sensitive: true,
  description: 'Secret material that belongs to no mesh, such as signing keys; base64 data, at most 1 MiB.',
  validate: (spec: unknown) => validateSecretSpec(spec),
});
