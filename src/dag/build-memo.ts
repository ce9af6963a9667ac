// What a build may reuse from earlier work, owned by whoever builds and passed in: the incremental
// builder keeps one across builds, a one-off build makes its own. Nothing here changes a build's
// result, only what it costs; and nothing of it is module state.
import { createClusterHashes, type ClusterHashes } from './clusters.js';
import { createSecretChecks, type SecretChecks } from '../certs/secret-checks.js';

/** Reusable work of the build stage. */
export interface BuildMemo {
  /** TLS and CA Secret validations: done by earlier builds, or primed by the parser threads. */
  secretChecks: SecretChecks;
  clusterHashes: ClusterHashes;
}

/** An empty memo; `secretChecks` may be shared with a source that primes it. */
export const createBuildMemo = (secretChecks: SecretChecks = createSecretChecks()): BuildMemo => ({
  secretChecks,
  clusterHashes: createClusterHashes(),
});
