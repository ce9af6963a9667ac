// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self and total time per function, top N.
//   node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top 30] [--filter text]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Self and total milliseconds per function (name + file:line), sorted by the given key. */
export const summarizeProfile = (
  profile: Profile,
): { totalMs: number; functions: { name: string; selfMs: number; totalMs: number }[] } => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const label = (node: ProfileNode): string => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/(node_modules|src|bench)\//, '$1/');
    return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    // Total: count once per distinct function on the stack (recursion is not double-counted).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at)!);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + us);
    }
  }
  const functions = [...total.keys()].map((name) => ({
    name,
    selfMs: (self.get(name) ?? 0) / 1000,
    totalMs: (total.get(name) ?? 0) / 1000,
  }));
  return { totalMs: (profile.endTime - profile.startTime) / 1000, functions };
};

const main = (): void => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '30' }, filter: { type: 'string', default: '' } },
  });
  const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as Profile;
  const { totalMs, functions } = summarizeProfile(profile);
  const top = Number(values.top);
  const shown = functions.filter((f) => f.name.includes(values.filter));
  const print = (title: string, key: 'selfMs' | 'totalMs'): void => {
    process.stdout.write(`\n${title} (profile ${totalMs.toFixed(0)} ms)\n`);
    for (const f of [...shown].sort((a, b) => b[key] - a[key]).slice(0, top))
      process.stdout.write(
        `${f.selfMs.toFixed(1).padStart(9)} ${f.totalMs.toFixed(1).padStart(9)}  ${f.name}\n`,
      );
  };
  print('by self ms (self, total)', 'selfMs');
  print('by total ms (self, total)', 'totalMs');
};

if (import.meta.url === `file://${process.argv[1]}`) main();
