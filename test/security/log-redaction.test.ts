// Logs never carry a private key, whichever field or message holds it (issue 13, item 8).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/util/logger.js';
import { redactPemKeys } from '../../src/util/redaction.js';

const key =
  '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRET\n-----END PRIVATE KEY-----\n';
const rsaKey = key.replaceAll('PRIVATE KEY', 'RSA PRIVATE KEY');
const certificate = '-----BEGIN CERTIFICATE-----\nMIIBcertificatebody\n-----END CERTIFICATE-----\n';
const base64Key = Buffer.from(key).toString('base64');

/** Everything a logger of the given format writes while `log` runs. */
const captured = (
  format: 'json' | 'text',
  log: (logger: ReturnType<typeof createLogger>) => void,
): string => {
  const dir = mkdtempSync(join(tmpdir(), 'contour-log-'));
  const file = join(dir, 'log');
  const fd = openSync(file, 'w');
  try {
    log(createLogger({ format, debug: true, destination: fd }));
  } finally {
    closeSync(fd);
  }
  const text = readFileSync(file, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  return text;
};

describe('log redaction', () => {
  for (const format of ['json', 'text'] as const) {
    it(`keeps keys out of ${format} logs`, () => {
      const text = captured(format, (logger) => {
        logger.info({ privateKey: key }, 'a field named privateKey');
        logger.info({ secret: { private_key: key } }, 'a nested proto field');
        logger.info({ object: { data: { 'tls.key': base64Key, 'tls.crt': 'Y2VydA==' } } }, 'a Secret');
        logger.warn({ error: `could not parse ${rsaKey} in secret default/x` }, 'a key inside a message');
        logger.error(`unterminated: ${key.slice(0, 60)}`);
        logger.info({ chain: certificate }, 'a certificate stays');
      });
      assert.doesNotMatch(text, /SECRETSECRET|MIGHAgEA/, 'key material');
      assert.ok(!text.includes(base64Key), 'base64 key material');
      assert.match(text, /BEGIN CERTIFICATE/, 'certificates are not keys');
      assert.match(text, /Y2VydA==/, 'other Secret data keys are kept');
      assert.equal(text.match(/\[redacted\]/g)?.length, 5, text);
    });
  }

  it('redacts each key block of a text and keeps what surrounds it', () => {
    assert.equal(
      redactPemKeys(`a ${key} b ${certificate} c ${rsaKey} d`),
      `a [redacted]\n b ${certificate} c [redacted]\n d`,
    );
    assert.equal(
      redactPemKeys('no key -----END PRIVATE KEY----- here'),
      'no key -----END PRIVATE KEY----- here',
    );
  });
});
