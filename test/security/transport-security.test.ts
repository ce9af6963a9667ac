// serve's xDS transport check: TLS needs all three files; plaintext only on loopback unless --insecure.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkXdsTransportSecurity, isLoopbackAddress } from '../../src/certs/transport-security.js';

describe('xDS transport security check', () => {
  const files = { caFile: '/c/ca.crt', certFile: '/c/tls.crt', keyFile: '/c/tls.key' };

  it('allows plaintext on loopback addresses', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) {
      assert.equal(isLoopbackAddress(address), true, address);
      assert.equal(checkXdsTransportSecurity({ address, insecure: false }), undefined, address);
    }
  });

  it('refuses plaintext elsewhere unless --insecure', () => {
    for (const address of ['0.0.0.0', '::', '10.0.0.1', 'contour.projectcontour', '128.0.0.1']) {
      assert.equal(isLoopbackAddress(address), false, address);
      assert.match(checkXdsTransportSecurity({ address, insecure: false }) ?? '', /--insecure/, address);
      assert.equal(checkXdsTransportSecurity({ address, insecure: true }), undefined, address);
    }
  });

  it('accepts TLS anywhere and refuses a partial set of files', () => {
    assert.equal(checkXdsTransportSecurity({ address: '0.0.0.0', insecure: false, ...files }), undefined);
    assert.match(
      checkXdsTransportSecurity({ address: '127.0.0.1', insecure: true, caFile: files.caFile }) ?? '',
      /all three TLS parameters - --contour-cafile, --contour-cert-file, --contour-key-file/,
    );
  });
});
