// The translate stage: DAG (+ EndpointSlices for EDS) → Envoy resources. Pure.
import type { Dag } from '../dag/types.js';
import type { StoreView } from '../store/store.js';
import type { EnvoyResources } from './resources.js';

/** Listener ports and other knobs of the Envoy side (from `contour serve` flags). */
export interface TranslateOptions {
  httpAddress: string;
  httpPort: number;
  httpsAddress: string;
  httpsPort: number;
  statsAddress: string;
  statsPort: number;
}

export const defaultTranslateOptions: TranslateOptions = {
  httpAddress: '0.0.0.0',
  httpPort: 8080,
  httpsAddress: '0.0.0.0',
  httpsPort: 8443,
  statsAddress: '0.0.0.0',
  statsPort: 8002,
};

/** Translates a DAG into Envoy resources; endpoints come from the store's EndpointSlices. */
export const translate = (_dag: Dag, _store: StoreView, _options: TranslateOptions): EnvoyResources => ({
  // Placeholder until the translators land.
  listeners: [],
  routes: [],
  clusters: [],
  endpoints: [],
  secrets: [],
});
