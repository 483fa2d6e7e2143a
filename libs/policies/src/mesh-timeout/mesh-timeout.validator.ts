import type { Violation } from '@mycel/core';
import { Violations, childPath, indexPath } from '@mycel/core';
import { optionalDuration } from '../framework/duration';
import type { TargetRefKind } from '../framework/target-ref';
import { validateTargetRef } from '../framework/target-ref';

const TOP_LEVEL_KINDS: readonly TargetRefKind[] = ['Mesh', 'MeshSubset', 'MeshService', 'Dataplane'];
const TO_KINDS: readonly TargetRefKind[] = ['Mesh', 'MeshService'];
const FROM_KINDS: readonly TargetRefKind[] = ['Mesh'];
const CONF_FIELDS = ['connectionTimeout', 'idleTimeout', 'http'] as const;
const HTTP_FIELDS = ['requestTimeout', 'streamIdleTimeout', 'maxStreamDuration', 'maxConnectionDuration', 'requestHeadersTimeout'] as const;

function validateConf(v: Violations, value: unknown, path: string): void {
  if (value === undefined || value === null) {
    v.add(path, 'is required');
    return;
  }
  const o = v.object(value, path, CONF_FIELDS);
  if (!o) return;
  if (CONF_FIELDS.every((f) => o[f] === undefined)) v.add(path, `must set at least one of ${CONF_FIELDS.join(', ')}`);
  optionalDuration(v, o['connectionTimeout'], childPath(path, 'connectionTimeout'), true);
  optionalDuration(v, o['idleTimeout'], childPath(path, 'idleTimeout'));
  const httpPath = childPath(path, 'http');
  const http = v.optionalObject(o['http'], httpPath, HTTP_FIELDS);
  if (!http) return;
  if (HTTP_FIELDS.every((f) => http[f] === undefined)) v.add(httpPath, `must set at least one of ${HTTP_FIELDS.join(', ')}`);
  for (const f of HTTP_FIELDS) optionalDuration(v, http[f], childPath(httpPath, f));
}

function validateEntries(v: Violations, value: unknown, path: string, kinds: readonly TargetRefKind[] | undefined): number {
  const items = v.optionalArray(value, path);
  items?.forEach((raw, i) => {
    const p = indexPath(path, i);
    const o = v.object(raw, p, kinds === undefined ? ['default'] : ['targetRef', 'default']);
    if (!o) return;
    if (kinds !== undefined) {
      if (o['targetRef'] === undefined) v.add(childPath(p, 'targetRef'), 'is required');
      else validateTargetRef(v, o['targetRef'], childPath(p, 'targetRef'), kinds);
    }
    validateConf(v, o['default'], childPath(p, 'default'));
  });
  return items?.length ?? 0;
}

/** Validates a MeshTimeout spec; every violation's field starts with `spec`. */
export function validateMeshTimeoutSpec(spec: unknown): Violation[] {
  const v = new Violations();
  const s = v.object(spec, 'spec', ['targetRef', 'to', 'from', 'rules']);
  if (!s) return v.all;
  if (s['targetRef'] !== undefined) validateTargetRef(v, s['targetRef'], 'spec.targetRef', TOP_LEVEL_KINDS);
  const to = validateEntries(v, s['to'], 'spec.to', TO_KINDS);
  const from = validateEntries(v, s['from'], 'spec.from', FROM_KINDS);
  const rules = validateEntries(v, s['rules'], 'spec.rules', undefined);
  if (from > 0 && rules > 0) v.add('spec.rules', 'must not be combined with from: both configure inbound traffic');
  if (to + from + rules === 0 && [s['to'], s['from'], s['rules']].every((x) => x === undefined || Array.isArray(x))) {
    v.add('spec', 'must have at least one entry in to, from or rules');
  }
  return v.all;
}
