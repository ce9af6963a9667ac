// The pieces of ClusterLoadAssignments: ready endpoints of EndpointSlices, and the message itself
// (assembled per Service outside the DAG build, in src/assemble/endpoint-assignments.ts).
import { isIP } from 'node:net';
import { create } from '@bufbuild/protobuf';
import {
  ClusterLoadAssignmentSchema,
  type ClusterLoadAssignment,
} from '../gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { LbEndpointSchema, type LbEndpoint } from '../gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
import type { Address } from '../gen/envoy/config/core/v3/address_pb.js';
import type { EndpointSlice } from '../apis/kubernetes.js';
import { compareStrings } from './proto-util.js';

/** One load-balancing endpoint at `address`. */
export const lbEndpoint = (address: Address): LbEndpoint =>
  create(LbEndpointSchema, { hostIdentifier: { case: 'endpoint' as const, value: { address } } });

/**
 * A ClusterLoadAssignment with all endpoints in one locality (none when `endpoints` is empty). The locality is
 * set, though empty, because proxyless gRPC clients reject endpoint groups without one; Envoy does not mind.
 */
export const clusterLoadAssignment = (name: string, endpoints: LbEndpoint[]): ClusterLoadAssignment =>
  create(ClusterLoadAssignmentSchema, {
    clusterName: name,
    endpoints:
      endpoints.length === 0 ? [] : [{ locality: {}, lbEndpoints: endpoints, loadBalancingWeight: 1 }],
  });

/** The Service a cluster's endpoints come from, and which of its ports. */
export interface EndpointTarget {
  namespace: string;
  name: string;
  /** The Service port's name; EndpointSlice ports carry the same name. Absent for unnamed ports. */
  portName?: string;
}

/** Ready endpoint addresses of a Service port, sorted by address then port, without duplicates. */
export const readyEndpoints = (
  slices: EndpointSlice[],
  target: EndpointTarget,
): { address: string; port: number }[] => {
  const seen = new Map<string, { address: string; port: number }>();
  for (const slice of slices) {
    // EDS endpoints must be IP addresses; FQDN slices are for other consumers.
    if (slice.addressType === 'FQDN') continue;
    for (const endpoint of slice.endpoints ?? []) {
      // Absent readiness means ready (the API's documented default).
      if (endpoint.conditions?.ready === false) continue;
      const address = endpoint.addresses?.[0];
      // Ingest refuses slices whose addresses are not IPs; this keeps any that slip through out of EDS.
      if (!address || isIP(address) === 0) continue;
      for (const port of slice.ports ?? []) {
        if (port.port === undefined || port.port === null) continue;
        // The API server defaults protocol to TCP; manifests read from files may omit it.
        if ((port.protocol ?? 'TCP') !== 'TCP') continue;
        if (target.portName && port.name && port.name !== target.portName) continue;
        const key = `${address}|${port.port}`;
        if (!seen.has(key)) seen.set(key, { address, port: port.port });
      }
    }
  }
  return [...seen.values()].sort((a, b) => compareStrings(a.address, b.address) || a.port - b.port);
};
