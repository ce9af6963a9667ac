// Parsing an edited file document by document must give exactly what parsing it whole gives, errors
// (document index, line) included, whatever the previous version was.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseByDocument } from '../../src/sources/files/document-cache.js';
import { parseManifest } from '../../src/sources/files/parse.js';

const documents = [
  'apiVersion: v1\nkind: Service\nmetadata: { name: a }\nspec: { ports: [{ port: 80 }] }\n',
  'apiVersion: v1\nkind: Service\nmetadata:\n  name: b\n  namespace: x\n',
  '# only a comment\n',
  '',
  'kind: [unclosed\n',
  'apiVersion: v1\nkind: Service\n',
  'apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: Service, metadata: { name: l } }\n',
  'apiVersion: v1\nkind: Service\nmetadata: &m { name: anchored }\nspec: { x: *m }\n',
  'apiVersion: v1\nkind: Secret\nmetadata: { name: s, annotations: "no" }\n',
  'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata:\n  text: |\n    ---- not a marker\n    line\n',
  '--- # a marker with a comment\napiVersion: v1\nkind: Service\nmetadata: { name: m }\n',
];

const file = fc
  .record({
    leading: fc.boolean(),
    parts: fc.array(fc.constantFrom(...documents), { maxLength: 8 }),
  })
  .map(
    ({ leading, parts }) =>
      (leading ? '---\n' : '') + parts.map((part) => (part.startsWith('---') ? part : part)).join('---\n'),
  );

describe('parseByDocument', () => {
  it('parses an edited file exactly as parseManifest does, reusing unchanged documents', () => {
    fc.assert(
      fc.property(file, file, (before, after) => {
        const { cache } = parseByDocument('f.yaml', before, undefined);
        const { parsed } = parseByDocument('f.yaml', after, cache);
        assert.deepEqual(parsed, parseManifest('f.yaml', after));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the objects of unchanged documents, the same references', () => {
    const one = documents[0];
    const two = documents[1];
    const { parsed: first, cache } = parseByDocument('f.yaml', `${one}---\n${two}`, undefined);
    const edited = two.replace('name: b', 'name: b2');
    const { parsed: second } = parseByDocument('f.yaml', `${one}---\n${edited}`, cache);
    assert.equal(second.objects[0], first.objects[0]);
    assert.notEqual(second.objects[1], first.objects[1]);
    assert.equal(second.objects[1].metadata.name, 'b2');
  });
});
