import assert from 'node:assert/strict';
import { canonicalAddress, formatHostPort, hostPortProblem, hostProblem, ipAddressProblem, isDnsName } from './address';

describe('address', () => {
  const dnsCases: [string, boolean][] = [
    ['web', true],
    ['web-1.default.svc.cluster.local', true],
    ['Web.Example.COM', true],
    ['a'.repeat(63) + '.com', true],
    ['a'.repeat(64) + '.com', false],
    [`${'a'.repeat(63)}.`.repeat(3) + 'a'.repeat(61), true], // 253 characters, the longest name
    [`${'a'.repeat(63)}.`.repeat(3) + 'a'.repeat(62), false], // 254 characters
    ['', false],
    ['-web', false],
    ['web-', false],
    ['web..local', false],
    ['web.local.', false],
    ['web_1', false],
    ['10.0.0.256', false],
    ['1.2.3', false],
    ['1.2.3.example', true],
  ];
  for (const [text, ok] of dnsCases) {
    it(`isDnsName(${JSON.stringify(text.length > 30 ? `${text.slice(0, 20)}…(${text.length})` : text)}) is ${ok}`, () => assert.equal(isDnsName(text), ok));
  }

  it('tells IP addresses from host names', () => {
    assert.equal(ipAddressProblem('10.0.0.1'), undefined);
    assert.equal(ipAddressProblem('fe80::1'), undefined);
    assert.equal(ipAddressProblem('010.0.0.1'), "must be an IPv4 or IPv6 address, got '010.0.0.1'");
    assert.equal(ipAddressProblem('web'), "must be an IPv4 or IPv6 address, got 'web'");
    assert.equal(hostProblem('web'), undefined);
    assert.equal(hostProblem('::ffff:10.0.0.1'), undefined);
    assert.equal(hostProblem('[::1]'), "must be an IPv4 address, an IPv6 address or a DNS name, got '[::1]'");
  });

  const hostPorts: [string, boolean][] = [
    ['collector:4317', true],
    ['10.0.0.1:1', true],
    ['[::1]:65535', true],
    ['[fd00::7]:4317', true],
    ['collector', false],
    ['collector:', false],
    [':4317', false],
    ['collector:0', false],
    ['collector:65536', false],
    ['collector:123456', false],
    ['::1:4317', false],
    ['[10.0.0.1]:80', false],
    ['[web]:80', false],
    ['web_1:80', false],
    ['http://collector:4317', false],
  ];
  for (const [text, ok] of hostPorts) {
    it(`hostPortProblem(${JSON.stringify(text)}) ${ok ? 'accepts' : 'rejects'}`, () => assert.equal(hostPortProblem(text) === undefined, ok));
  }

  it('canonicalises IPv6 spellings and lowercases names', () => {
    assert.equal(canonicalAddress('0:0:0:0:0:0:0:1'), '::1');
    assert.equal(canonicalAddress('FD00:0::7'), 'fd00::7');
    assert.equal(canonicalAddress('fe80::1%eth0'), 'fe80::1%eth0');
    assert.equal(canonicalAddress('Web.Local'), 'web.local');
    assert.equal(canonicalAddress('10.0.0.1'), '10.0.0.1');
  });

  it('brackets IPv6 addresses in host:port', () => {
    assert.equal(formatHostPort('::1', 80), '[::1]:80');
    assert.equal(formatHostPort('10.0.0.1', 80), '10.0.0.1:80');
    assert.equal(formatHostPort('web', 80), 'web:80');
  });
});
