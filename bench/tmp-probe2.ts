import { createHash } from 'node:crypto';
import { parseManifest } from '../src/sources/files/parse.js';
import { createObjectIndex } from '../src/sources/files/object-index.js';
import { objectKey, refOf } from '../src/apis/meta.js';
import { editedFile } from './rows/edit-files.js';
const t = () => process.hrtime.bigint();
const ms = (a: bigint) => (Number(t() - a) / 1e6).toFixed(2);
const index = createObjectIndex();
const toMap = (text: string) => new Map(parseManifest('f', text).objects.map((o) => [objectKey(refOf(o)), o]));
index.update(new Map([['f', toMap(editedFile(0))]]));
for (let i = 1; i < 8; i++) {
  const text = editedFile(i);
  let a = t(); createHash('sha256').update(Buffer.from(text)).digest('base64'); const h = ms(a);
  a = t(); const parsed = parseManifest('f', text); const p = ms(a);
  a = t(); const m = new Map(parsed.objects.map((o) => [objectKey(refOf(o)), o])); const k = ms(a);
  a = t(); const r = index.update(new Map([['f', m]])); const u = ms(a);
  console.log({ bytes: text.length, hash: h, parse: p, keys: k, index: u, events: r.events.length });
}
