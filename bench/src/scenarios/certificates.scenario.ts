import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { Figure } from '../report/bench-report';
import { summarize } from '../report/percentiles';
import { monotonicMs } from '../support/monotonic-clock';
import { procCpuMs } from '../support/proc-status';

// Scenario `certificates`: the zone CA (libs/ca, ARCHITECTURE.md §7) does not exist yet, so there is
// no figure of ours: the report says so instead of inventing one. What is measured is the limit
// baseline any CA will be held against: raw `crypto.sign` with ECDSA P-256 / SHA-256 — the one
// private-key operation issuing a workload certificate needs — on one core (this process's thread).

/** Options of {@link runCertificates}. */
export interface CertificatesOptions {
  /** Length of each measured pass, ms. */
  readonly passMs: number;
  readonly passes: number;
  readonly log: (line: string) => void;
}

/** Default: 5 passes of 1 s. */
export const CERTIFICATES_DEFAULTS = { passMs: 1000, passes: 5 } as const;

/** What the scenario measured. */
export interface CertificatesResult {
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
}

/** Size of the signed payload: about the to-be-signed part of a leaf certificate with a SPIFFE URI SAN. */
const TBS_BYTES = 450;

/** Runs the scenario. */
export function runCertificates(options: CertificatesOptions): CertificatesResult {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // As a CA holds it: a parsed key object (parsing PEM per signature would measure the parser).
  const key = createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const payloads = Array.from({ length: 64 }, () => randomBytes(TBS_BYTES));
  // Warm-up: JIT and OpenSSL's lazily built tables.
  for (let i = 0; i < 2000; i++) sign('sha256', payloads[i % payloads.length] as Buffer, key);
  const rates: number[] = [];
  const cpuShares: number[] = [];
  for (let p = 0; p < options.passes; p++) {
    const cpuBefore = procCpuMs('self');
    const start = monotonicMs();
    let n = 0;
    let now = start;
    while (now - start < options.passMs) {
      for (let i = 0; i < 64; i++) sign('sha256', payloads[i] as Buffer, key);
      n += 64;
      now = monotonicMs();
    }
    const elapsed = now - start;
    rates.push((n * 1000) / elapsed);
    cpuShares.push((procCpuMs('self') - cpuBefore) / elapsed);
  }
  const rate = summarize(rates);
  options.log(`certificates: raw crypto.sign ECDSA P-256/SHA-256 on one core: ${rate.p50.toFixed(0)} signatures/s (passes: ${rates.map((r) => r.toFixed(0)).join(', ')}); CA: none yet`);
  return {
    figures: [
      {
        scenario: 'certificates',
        id: 'certificates.sign-rate',
        metric: 'workload certificates signed per second per core',
        unit: '/s',
        ours: Number.NaN,
        oursLabel: 'no CA yet',
        baseline: rate.p50,
        baselineLabel: `raw crypto.sign ECDSA P-256 / SHA-256 of ${TBS_BYTES} B, one core, median of ${options.passes} × ${options.passMs / 1000} s`,
        note: 'the zone CA (libs/ca) does not exist yet: nothing of ours to measure',
      },
    ],
    details: { rates, cpuShareOfOneCore: cpuShares, tbsBytes: TBS_BYTES, node: process.version, openssl: process.versions.openssl },
  };
}
