import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFilesSource, type FilesSource } from '../../src/sources/files/files-source.js';
import { parseManifest } from '../../src/sources/files/parse.js';
import { createParsePool } from '../../src/sources/files/parse-pool.js';
import { createStore, type StoreEvent } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/logger.js';
import { waitFor } from '../helpers/wait.js';

const service = (name: string, port = 80): string => `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec: { ports: [{ name: http, port: ${port} }] }
`;

describe('parseManifest', () => {
  it('reads multi-document YAML, skips empty documents, defaults the namespace', () => {
    const { objects, errors } = parseManifest(
      'a.yaml',
      `---\n${service('one')}---\n---\napiVersion: v1\nkind: Secret\nmetadata: { name: s }\n`,
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(
      objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
      ['Service/default/one', 'Secret/default/s'],
    );
  });

  it('reports a malformed document by file and index and keeps the others', () => {
    const text = `${service('one')}---\nkind: [unclosed\n---\napiVersion: v1\nkind: Service\n---\n${service('two')}`;
    const { objects, errors } = parseManifest('bad.yaml', text);
    assert.deepEqual(
      objects.map((o) => o.metadata.name),
      ['one', 'two'],
    );
    assert.equal(errors.length, 2);
    assert.deepEqual(
      errors.map((e) => [e.file, e.document]),
      [
        ['bad.yaml', 1],
        ['bad.yaml', 2],
      ],
    );
    assert.match(errors[1].message, /metadata/);
  });

  it('reads JSON files and flattens List objects', () => {
    const list = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        JSON.parse(
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'j', namespace: 'x' },
            spec: {},
          }),
        ),
      ],
    });
    const { objects } = parseManifest('l.json', list);
    assert.equal(objects.length, 1);
    assert.equal(objects[0].metadata.namespace, 'x');
  });

  // The fast parser (js-yaml) and the careful one (yaml) must read the same objects: a file with an
  // anchor takes the careful path, the same text without it the fast one.
  it('reads the same objects with and without an anchor in the file', () => {
    const body = `apiVersion: projectcontour.io/v1
kind: HTTPProxy
metadata: { name: p, namespace: ns, labels: { a: "1", b: 2, c: true, d: null, e: 0x1F, f: 1.5e3, g: yes, h: 2020-01-02 } }
spec:
  virtualhost: { fqdn: "p.example.com" }
  routes:
    - conditions: [{ prefix: /x }, { header: { name: x-a, exact: "on" } }]
      services: [{ name: s, port: 80, weight: 010 }]
`;
    const fast = parseManifest('fast.yaml', body);
    const careful = parseManifest(
      'careful.yaml',
      `${body}---
kind: ConfigMap
apiVersion: v1
metadata: &m { name: c }
`,
    );
    assert.deepEqual(fast.errors, []);
    assert.deepEqual(careful.errors, []);
    assert.deepEqual(careful.objects[0], fast.objects[0]);
    const labels = fast.objects[0].metadata.labels as unknown as Record<string, unknown>;
    // YAML 1.2 core schema: no yes/no booleans, no timestamps.
    assert.deepEqual(labels, { a: '1', b: 2, c: true, d: null, e: 31, f: 1500, g: 'yes', h: '2020-01-02' });
  });

  it('lets the last of duplicate keys win, as kubectl does', () => {
    const { objects, errors } = parseManifest(
      'dup.yaml',
      `${service('first')}metadata: { name: second }
`,
    );
    assert.deepEqual(errors, []);
    assert.equal(objects[0].metadata.name, 'second');
  });

  it('bounds alias expansion instead of building an exponential document', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(',')}]`);
    }
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: bomb }\ndata:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
    const { objects, errors } = parseManifest('bomb.yaml', text);
    assert.equal(objects.length, 0);
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /alias/i);
  });
});

describe('parse pool', () => {
  it('parses a large file on a worker thread exactly as inline, errors included', async () => {
    const documents = Array.from({ length: 800 }, (_, index) => service(`svc-${index}`, 1000 + index));
    documents.splice(400, 0, 'kind: [unclosed\n');
    const text = documents.join('---\n');
    assert.ok(Buffer.byteLength(text) > 64 * 1024);
    const pool = createParsePool(silentLogger());
    try {
      const [threaded, small] = await Promise.all([
        pool.parse('big.yaml', text),
        pool.parse('small.yaml', service('small')),
      ]);
      assert.equal(pool.threaded(), 1, 'only the large file went to a thread');
      assert.deepEqual(threaded, parseManifest('big.yaml', text));
      assert.equal(threaded.objects.length, 800);
      assert.deepEqual(
        threaded.errors.map((error) => error.document),
        [400],
      );
      assert.deepEqual(small, parseManifest('small.yaml', service('small')));
      // Idle threads are ended; the next large file starts one again.
      await pool.idle();
      assert.deepEqual(await pool.parse('again.yaml', text), parseManifest('again.yaml', text));
      assert.equal(pool.threaded(), 2);
    } finally {
      await pool.close();
    }
  });
});

describe('files source', () => {
  let dir: string;
  let source: FilesSource;
  const events: StoreEvent[] = [];
  const store = createStore();
  let synced = 0;

  const names = (): string[] => store.list('Service').map((o) => o.metadata.name);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contour-files-'));
    await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    await writeFile(join(dir, 'a.yaml'), service('alpha'));
    await writeFile(join(dir, 'nested', 'deeper', 'b.yml'), service('beta') + '---\n' + service('gamma'));
    await writeFile(join(dir, 'notes.txt'), 'not a manifest');
    await writeFile(
      join(dir, 'ignored.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\n',
    );
    source = createFilesSource({ directory: dir, debounceMs: 20 }, silentLogger());
    await source.start({
      apply: (batch) => {
        events.push(...batch);
        for (const event of batch) store.apply(event);
      },
      synced: () => synced++,
      stale: () => assert.fail('files never go stale'),
    });
  });

  after(async () => {
    await source.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers the initial list recursively, then signals synced once', () => {
    assert.equal(synced, 1);
    assert.deepEqual(names(), ['alpha', 'beta', 'gamma']);
    assert.equal(store.list('Deployment').length, 0, 'unknown kinds are ignored');
  });

  it('applies a changed file without a restart', async () => {
    await writeFile(join(dir, 'a.yaml'), service('alpha', 8080));
    await waitFor('port 8080', () => {
      const alpha = store.get('Service', 'default', 'alpha') as
        { spec: { ports: { port: number }[] } } | undefined;
      return alpha?.spec.ports[0].port === 8080;
    });
  });

  it('applies a created file', async () => {
    await writeFile(
      join(dir, 'nested', 'c.json'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'delta', namespace: 'default' },
        spec: {},
      }),
    );
    await waitFor('delta', () => names().includes('delta'));
  });

  it('keeps objects when a file is renamed', async () => {
    const before = events.length;
    await rename(join(dir, 'nested', 'c.json'), join(dir, 'c-renamed.yaml'));
    await source.rescan();
    assert.ok(names().includes('delta'));
    const deletes = events.slice(before).filter((e) => e.type === 'delete');
    assert.equal(deletes.length, 0, 'a rename is not a delete');
  });

  it('deletes the objects of a deleted file', async () => {
    await rm(join(dir, 'nested', 'deeper', 'b.yml'));
    await waitFor('beta and gamma gone', () => !names().includes('beta') && !names().includes('gamma'));
    assert.deepEqual(names(), ['alpha', 'delta']);
  });

  it('reports a malformed document and still loads the rest of the file', async () => {
    await writeFile(join(dir, 'broken.yaml'), `${service('epsilon')}---\nspec: {{{\n`);
    await waitFor('epsilon', () => names().includes('epsilon'));
    const errors = source.errors();
    assert.equal(errors.length, 1);
    assert.equal(errors[0].file, 'broken.yaml');
    assert.equal(errors[0].document, 1);
  });
});

describe('store compaction of malformed Secrets', () => {
  it('keeps a Secret whose data is not a map instead of throwing', () => {
    const store = createStore();
    for (const data of ['/', 42, null, ['tls.crt']]) {
      assert.equal(
        store.apply({
          type: 'upsert',
          object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'odd', namespace: 'default' }, data },
        }),
        true,
      );
    }
    const secret = store.get('Secret', 'default', 'odd');
    assert.deepEqual(secret?.data, ['tls.crt']);
  });

  it('drops Secret data the pipeline never reads', () => {
    const store = createStore();
    store.apply({
      type: 'upsert',
      object: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'tls', namespace: 'default' },
        data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5', password: 'c2VjcmV0' },
      },
    });
    assert.deepEqual(store.get('Secret', 'default', 'tls')?.data, {
      'tls.crt': 'Y2VydA==',
      'tls.key': 'a2V5',
    });
  });
});
