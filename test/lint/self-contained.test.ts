// A clone of this repository alone must install, run and test itself: nothing the project runs may reach
// outside it (a user has no sibling `shared` folder beside the clone, and no /work). Lists every tracked file
// that does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../..');

/** Paths outside the repository that a file names: the sibling `shared/` folder or an absolute /work path. */
const outsideReferences = (text: string): string[] =>
  [...text.matchAll(/\.\.\/shared\/|\/work\/(?:shared|main)\b/g)].map((match) => match[0]);

const runnableFiles = (): string[] =>
  execFileSync('git', ['ls-files', '--', 'src', 'test', 'scripts', 'bench', '.ci', 'package.json'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((path) => path !== '' && !path.startsWith('test/fixtures/') && !path.endsWith('.md'));

// Written in pieces so that this file does not itself name the paths it looks for.
const siblingShared = ['..', 'shared', ''].join('/');
const workShared = ['', 'work', 'shared'].join('/');

describe('the repository is self-contained', () => {
  it('finds a reference outside the repository when there is one', () => {
    assert.deepEqual(outsideReferences(`const dir = resolve(root, '${siblingShared}envtest');`), [
      siblingShared,
    ]);
    assert.deepEqual(outsideReferences(`readFileSync('${workShared}/reference/contour-crds.yaml')`), [
      workShared,
    ]);
    assert.deepEqual(outsideReferences("resolve(root, 'scripts/envtest')"), []);
  });

  it('no source, test, script, bench file or CI step reads outside the repository', () => {
    const files = runnableFiles();
    assert.ok(files.length > 100, `expected the tracked files, found ${files.length}`);
    const offenders = files.flatMap((path) => {
      const found = outsideReferences(readFileSync(resolve(repoRoot, path), 'utf8'));
      return found.length > 0 ? [`${path}: ${found.join(', ')}`] : [];
    });
    assert.deepEqual(offenders, []);
  });
});
