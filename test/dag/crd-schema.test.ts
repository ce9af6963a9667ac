// Our zod-derived CRD schemas must accept and reject what Contour's published CRDs do: same fields,
// types, required lists, enums, bounds and defaults. Compared structurally against the reference CRDs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { contourCrdSchemas, type OpenApiSchema } from '../../src/apis/crd-schema.js';

const referencePath = fileURLToPath(new URL('../fixtures/contour/crds.yaml', import.meta.url));

interface ReferenceCrd {
  spec: { names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: OpenApiSchema } }[] };
}

const loadReference = (): ReferenceCrd[] =>
  parseAllDocuments(readFileSync(referencePath, 'utf8'))
    .map((document) => document.toJSON() as ReferenceCrd | null)
    .filter((document): document is ReferenceCrd => document !== null);

const comparedKeys = [
  'type',
  'required',
  'enum',
  'minimum',
  'maximum',
  'exclusiveMaximum',
  'format',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'default',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
];

// Strings that exercise every pattern in the CRDs (durations, DNS names, tokens, cookie names, paths).
const patternSamples = [
  '',
  '1s',
  '1.5s',
  '100ms',
  '1h30m',
  'infinity',
  'infinite',
  '0',
  '5',
  's',
  '-1s',
  'abc',
  'a.b-c',
  'A.b',
  '*.example.com',
  'example.com',
  '-bad.com',
  'bad-.com',
  'a..b',
  '/',
  '/foo',
  'foo/',
  'X-Header',
  'bad header',
  'a;b',
  'a\tb',
  'a\u007f',
  'Content-Type',
  '1.0',
  '.5',
  '1.',
  'example.com/Type',
  'Valid',
  'Reason_1',
  '1Reason',
  'with:colon',
  'trailing,',
  'name=value',
  'a(b)',
  'µs',
  '10µs',
  '2h0m0s',
];

/** Lists every difference between two schema trees, by JSON path. */
const differences = (
  ours: OpenApiSchema | undefined,
  theirs: OpenApiSchema | undefined,
  path: string,
): string[] => {
  if (!ours || !theirs) return ours === theirs ? [] : [`${path}: ${ours ? 'extra' : 'missing'}`];
  const found: string[] = [];
  for (const key of comparedKeys) {
    const a = ours[key];
    const b = theirs[key];
    const normalise = (value: unknown): string =>
      JSON.stringify(Array.isArray(value) && key === 'required' ? [...(value as string[])].sort() : value);
    if (normalise(a) !== normalise(b))
      found.push(`${path}.${key}: ours ${normalise(a)} theirs ${normalise(b)}`);
  }
  if ((ours.pattern === undefined) !== (theirs.pattern === undefined))
    found.push(`${path}.pattern presence differs`);
  if (typeof ours.pattern === 'string' && typeof theirs.pattern === 'string') {
    const ourPattern = new RegExp(ours.pattern);
    const theirPattern = new RegExp(theirs.pattern);
    for (const sample of patternSamples) {
      if (ourPattern.test(sample) !== theirPattern.test(sample))
        found.push(`${path}.pattern disagrees on ${JSON.stringify(sample)}`);
    }
  }
  const ourProps = (ours.properties ?? {}) as Record<string, OpenApiSchema>;
  const theirProps = (theirs.properties ?? {}) as Record<string, OpenApiSchema>;
  for (const name of new Set([...Object.keys(ourProps), ...Object.keys(theirProps)])) {
    found.push(...differences(ourProps[name], theirProps[name], `${path}.${name}`));
  }
  if (ours.items || theirs.items)
    found.push(...differences(ours.items as OpenApiSchema, theirs.items as OpenApiSchema, `${path}[]`));
  const ourExtra = ours.additionalProperties;
  const theirExtra = theirs.additionalProperties;
  if (typeof ourExtra === 'object' || typeof theirExtra === 'object') {
    found.push(...differences(ourExtra as OpenApiSchema, theirExtra as OpenApiSchema, `${path}{}`));
  }
  return found;
};

describe('CRD schemas generated from zod', () => {
  const reference = loadReference();
  for (const [kind, ours] of Object.entries(contourCrdSchemas())) {
    it(`${kind} ${ours.version} matches Contour's published CRD`, () => {
      const crd = reference.find((document) => document.spec.names.kind === kind);
      assert.ok(crd, `reference has ${kind}`);
      const version = crd.spec.versions.find((candidate) => candidate.name === ours.version);
      assert.ok(version, `reference has ${kind} ${ours.version}`);
      assert.deepEqual(differences(ours.schema, version.schema.openAPIV3Schema, kind), []);
    });
  }
});
