// The raw flags of an in-process `contour serve` on loopback with free ports (callers add their own):
// shared by the tests and the envtest harness (scripts/envtest/harness.ts), hence here rather than in test/.
import type { RawServeOptions } from '../src/cli/config.js';

/** Loopback addresses, port 0 for every listener contour-ts opens, Contour's Envoy listener defaults. */
export const loopbackServeFlags: RawServeOptions = {
  xdsAddress: '127.0.0.1',
  xdsPort: '0',
  healthAddress: '127.0.0.1',
  healthPort: '0',
  debugHttpAddress: '127.0.0.1',
  debugHttpPort: '0',
  envoyServiceHttpAddress: '0.0.0.0',
  envoyServiceHttpPort: '8080',
  envoyServiceHttpsAddress: '0.0.0.0',
  envoyServiceHttpsPort: '8443',
  statsAddress: '0.0.0.0',
  statsPort: '8002',
};
