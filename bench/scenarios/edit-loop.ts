// Child process of the rss row: the control plane over the scale set, then successive HTTPProxy
// edits, each built and published. Prints one JSON line: resident memory and heap used before and after.
// Run with --expose-gc so both readings follow a full collection.
import { parseArgs } from 'node:util';
import { allObjects, editedProxy, generateScaleSet, routeHolderOf } from '../scale-set.js';
import { nextChange, startControlPlane } from '../in-process.js';

const rssMb = (): number => process.memoryUsage().rss / 2 ** 20;
const heapMb = (): number => process.memoryUsage().heapUsed / 2 ** 20;

const collect = (): void => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      size: { type: 'string' },
      seed: { type: 'string', default: '1' },
      edits: { type: 'string', default: '10000' },
      'budget-ms': { type: 'string', default: '300000' },
      // Also read memory (after a full collection) every this many edits: growth that stops once every
      // proxy has been edited is bounded by N, growth that goes on is a leak.
      'checkpoint-every': { type: 'string', default: '0' },
    },
  });
  const set = generateScaleSet({ size: Number(values.size), seed: Number(values.seed) });
  const holders = set.sites.map((site) => routeHolderOf(set, site));
  // The control plane gets its own copies, as from an API server: the scale set keeps the originals
  // to make edits from, and a shared object would stay alive after an edit replaces it in the store.
  const controlPlane = await startControlPlane(structuredClone(allObjects(set)));
  const edit = async (generation: number): Promise<void> => {
    const proxy = editedProxy(holders[generation % holders.length], generation);
    const changed = nextChange(controlPlane.cache, 60_000);
    controlPlane.apply([{ type: 'upsert', object: proxy }]);
    await changed;
  };
  // Warm up (JIT, caches) before the baseline reading.
  const warmup = Math.min(100, Number(values.edits));
  for (let generation = 1; generation <= warmup; generation++) await edit(generation);
  collect();
  const before = rssMb();
  const heapBefore = heapMb();
  const wanted = Number(values.edits);
  const deadline = Date.now() + Number(values['budget-ms']);
  const every = Number(values['checkpoint-every']);
  const checkpoints: { edits: number; rss: number; heap: number }[] = [];
  let done = 0;
  while (done < wanted && Date.now() < deadline) {
    done += 1;
    await edit(warmup + done);
    if (every > 0 && done % every === 0) {
      collect();
      checkpoints.push({ edits: done, rss: rssMb(), heap: heapMb() });
      process.stderr.write(`edit-loop: ${JSON.stringify(checkpoints.at(-1))}\n`);
    }
  }
  collect();
  const after = rssMb();
  const heapAfter = heapMb();
  await controlPlane.stop();
  process.stdout.write(
    JSON.stringify({ before, after, heapBefore, heapAfter, edits: done, wanted, checkpoints }) + '\n',
  );
};

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`edit-loop: ${error.message}\n`);
    process.exit(1);
  },
);
