// The Envoy runtime layer contour-ts serves over RTDS, as Contour does: one Runtime resource named
// `dynamic` (the bootstrap's rtds layer of that name), holding Contour's fixed regex program-size
// limits, the keys derived from listener settings, and the user's runtime settings.
import { create } from '@bufbuild/protobuf';
import type { JsonObject } from '@bufbuild/protobuf';
import { RuntimeSchema, type Runtime } from '../gen/envoy/service/runtime/v3/rtds_pb.js';
import { httpListenerName, httpsListenerName } from './names.js';
import type { RuntimeOptions } from './options.js';

/** The name of the RTDS layer in the bootstrap and of the Runtime resource served for it. */
export const dynamicRuntimeLayerName = 'dynamic';

/** Listeners whose connection limit max-connections-per-listener sets: Contour's two ingress listeners. */
const limitedListeners = [httpListenerName, httpsListenerName];

/** The keys contour-ts sets itself under these options; a user runtime setting may not change them. */
export const managedRuntimeValues = (options: RuntimeOptions): JsonObject => {
  const values: JsonObject = {
    're2.max_program_size.error_level': 1 << 20,
    're2.max_program_size.warn_level': 1000,
  };
  if (options.maxRequestsPerIoCycle) values['http.max_requests_per_io_cycle'] = options.maxRequestsPerIoCycle;
  if (options.maxConnectionsPerListener)
    for (const listener of limitedListeners)
      values[`envoy.resource_limits.listener.${listener}.connection_limit`] =
        options.maxConnectionsPerListener;
  return values;
};

/**
 * The `dynamic` runtime layer. User settings are strings (Envoy reads numbers and booleans from
 * strings too); a user key equal to a managed one is refused at start-up, so it never reaches here.
 */
export const dynamicRuntime = (options: RuntimeOptions): Runtime => {
  const layer: JsonObject = { ...managedRuntimeValues(options) };
  for (const [key, value] of Object.entries(options.settings ?? {})) if (!(key in layer)) layer[key] = value;
  const sorted = Object.fromEntries(
    Object.keys(layer)
      .sort()
      .map((key) => [key, layer[key]]),
  );
  return create(RuntimeSchema, { name: dynamicRuntimeLayerName, layer: sorted });
};
