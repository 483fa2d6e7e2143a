import assert from 'node:assert/strict';
import { HTTP2_PREFACE, classifyPreface } from './dp-server';

describe('classifyPreface', () => {
  it('waits while the bytes are a prefix of the HTTP/2 preface, and says http2 once it is complete', () => {
    assert.equal(classifyPreface(Buffer.alloc(0)), 'undecided');
    for (let n = 1; n < HTTP2_PREFACE.length; n++) assert.equal(classifyPreface(HTTP2_PREFACE.subarray(0, n)), 'undecided', `${n} bytes`);
    assert.equal(classifyPreface(HTTP2_PREFACE), 'http2');
    assert.equal(classifyPreface(Buffer.concat([HTTP2_PREFACE, Buffer.from([0, 0, 0, 4])])), 'http2');
  });

  it('says http1 at the first byte that differs', () => {
    assert.equal(classifyPreface(Buffer.from('P')), 'undecided');
    assert.equal(classifyPreface(Buffer.from('PO')), 'http1');
    assert.equal(classifyPreface(Buffer.from('GET / HTTP/1.1\r\n')), 'http1');
    assert.equal(classifyPreface(Buffer.from('PRI * HTTP/1.1\r\n')), 'http1');
    assert.equal(classifyPreface(Buffer.from([0x16, 0x03, 0x01])), 'http1', 'a TLS ClientHello is not gRPC here (no TLS on this port yet)');
  });
});
