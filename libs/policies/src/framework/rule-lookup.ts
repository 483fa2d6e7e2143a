import type { DataplaneInbound, DataplaneSpec, Resource } from '@mycel/core';
import { Labels } from '@mycel/core';
import type { FromRule, PolicyTypeRules, ToRule } from './rules';

/** Identifies one inbound of a dataplane in its rules: the address and port it is declared with, and its service. */
export interface InboundRef {
  /** The inbound's `address`, else the dataplane's `networking.address` (as written, possibly a DNS name). */
  readonly address: string;
  readonly port: number;
  readonly service: string;
}

/** The {@link InboundRef} of one inbound of `dp`. */
export function inboundRef(dp: Resource<DataplaneSpec>, inbound: DataplaneInbound): InboundRef {
  return { address: inbound.address ?? dp.spec.networking.address, port: inbound.port, service: inbound.tags[Labels.service] ?? '' };
}

/** The rule for outbound traffic to `service`: its MeshService rule, else the Mesh rule, else undefined. */
export function toRuleFor(rules: PolicyTypeRules, service: string): ToRule | undefined {
  return rules.to.find((r) => r.destination.kind === 'MeshService' && r.destination.name === service) ?? rules.to.find((r) => r.destination.kind === 'Mesh');
}

/** The rule for traffic arriving at the inbound declared at `address`:`port`, or undefined. */
export function fromRuleFor(rules: PolicyTypeRules, ref: Pick<InboundRef, 'address' | 'port'>): FromRule | undefined {
  return rules.from.find((r) => r.inbound.address === ref.address && r.inbound.port === ref.port);
}
