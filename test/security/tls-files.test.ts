// Loading TLS files: clear messages for each way they can be unusable.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTlsMaterial } from '../../src/certs/tls-files.js';
import { createXdsServerCredentials } from '../../src/certs/server-credentials.js';
import type { GeneratedCertificates } from '../../src/certs/generate.js';
import { issue, writeServerFiles } from './helpers.js';

describe('TLS file loading', () => {
  let dir: string;
  let set: GeneratedCertificates;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'contour-tls-files-'));
    set = issue();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a matching set', () => {
    const loaded = loadTlsMaterial(writeServerFiles(dir, set));
    assert.ok(loaded.ok);
    assert.equal(loaded.material.cert.toString(), set.contourCertificate);
  });

  it('explains missing, empty, garbled and mismatched files', () => {
    const paths = writeServerFiles(dir, set);
    const check = (pattern: RegExp, overrides: Partial<typeof paths>) => {
      const loaded = loadTlsMaterial({ ...paths, ...overrides });
      assert.equal(loaded.ok, false);
      assert.match(loaded.ok ? '' : loaded.error, pattern);
    };
    check(/cannot read CA file ".*nope"/, { caFile: join(dir, 'nope') });
    writeFileSync(join(dir, 'empty'), '');
    check(/certificate file ".*empty" is empty/, { certFile: join(dir, 'empty') });
    writeFileSync(join(dir, 'garbage'), 'not a pem');
    check(/CA file ".*garbage" holds no PEM certificate/, { caFile: join(dir, 'garbage') });
    check(/certificate file ".*garbage" is not a valid certificate/, { certFile: join(dir, 'garbage') });
    check(/key file ".*garbage" is not a valid private key/, { keyFile: join(dir, 'garbage') });
    writeFileSync(join(dir, 'other.key'), set.envoyPrivateKey);
    check(/does not belong to certificate/, { keyFile: join(dir, 'other.key') });
  });

  it('server credentials report unusable files instead of throwing', () => {
    const result = createXdsServerCredentials({
      caFile: join(dir, 'missing-ca'),
      certFile: join(dir, 'tls.crt'),
      keyFile: join(dir, 'tls.key'),
    });
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error, /failed to load certificate and key: cannot read CA file/);
  });
});
