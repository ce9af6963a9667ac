// EDS outside the build: the ClusterLoadAssignment of each EDS name the DAG's clusters use, kept per
// Service so that an EndpointSlice event recomputes only the assignments of its Service.
import type { ObjectRef } from '../apis/meta.js';
import { serviceNameLabel, type EndpointSlice } from '../apis/kubernetes.js';
import type { Cluster } from '../dag/types.js';
import { socketAddress } from '../envoy/address.js';
import { clusterLoadAssignment, lbEndpoint, readyEndpoints } from '../envoy/endpoints.js';
import { multisetAdd, multisetRemove, multisetValues, type SmallMultiset } from '../store/small-multiset.js';
import type { StoreView } from '../store/store.js';
import { cacheResource, type CachedResource } from '../xds/cache/cached-resource.js';
import type { Rejection, ResourceChecker } from './resource-check.js';
import { compareStrings, sortedByName } from './sorting.js';

/** ClusterLoadAssignments recomputed after EndpointSlice events, and the list they are now part of. */
export interface EndpointChanges {
  upserted: CachedResource[];
  list: CachedResource[];
}

/** The assignments of the current clusters, kept up to date with the store's EndpointSlices. */
export interface EndpointAssignments {
  /** Records a changed EndpointSlice (after store.apply). */
  noteSlice(ref: ObjectRef): void;
  /** Sets the clusters whose EDS names need assignments (a new list of DAG clusters). */
  setClusters(clusters: readonly Cluster[]): void;
  /** The current assignments, sorted by name. */
  list(): CachedResource[];
  /** Only the assignments of Services whose slices changed; undefined when list() must be rebuilt. */
  changes(): EndpointChanges | undefined;
  /** The assignments Envoy would reject (published without endpoints instead), by EDS name. */
  rejections(): Rejection[];
}

const serviceKeyOf = (slice: EndpointSlice): string | undefined => {
  const service = slice.metadata.labels?.[serviceNameLabel];
  return service ? `${slice.metadata.namespace ?? ''}/${service}` : undefined;
};

/** Creates the assignments over a store the event loop keeps applying events to. */
export const createEndpointAssignments = (
  store: StoreView,
  checker: ResourceChecker,
): EndpointAssignments => {
  // Slice names by Service (a Map per Service was ~2 MB at 10,000), and the assignment of each EDS
  // name, recomputed per Service on change.
  const slicesByService = new Map<string, SmallMultiset<string>>();
  const serviceOfSlice = new Map<string, string>();
  const assignments = new Map<string, { serviceKey: string; assignment: CachedResource }>();
  const dirtyServices = new Set<string>();
  const rejected = new Map<string, Rejection>();
  let edsTargets = new Map<string, Cluster>();
  // The EDS names of each Service among edsTargets, so a slice event finds its assignments in O(1).
  let edsNamesOfService = new Map<string, string[]>();
  // The sorted list of assignments and each EDS name's index in it; rebuilt when edsTargets change,
  // patched (as a copy) when only endpoints do.
  let endpointList: CachedResource[] | undefined;
  let endpointIndex = new Map<string, number>();

  const noteSlice = (ref: ObjectRef): void => {
    const sliceKey = `${ref.namespace}/${ref.name}`;
    // Drop the slice from the Service it was under, then add it under its current one.
    const previous = serviceOfSlice.get(sliceKey);
    if (previous !== undefined) {
      const slices = multisetRemove(slicesByService.get(previous), ref.name);
      if (slices === undefined) slicesByService.delete(previous);
      else slicesByService.set(previous, slices);
      serviceOfSlice.delete(sliceKey);
      dirtyServices.add(previous);
    }
    const slice = store.get<EndpointSlice>('EndpointSlice', ref.namespace, ref.name);
    const serviceKey = slice ? serviceKeyOf(slice) : undefined;
    if (!slice || !serviceKey) return;
    // A Service's slices share its namespace: names identify them.
    slicesByService.set(serviceKey, multisetAdd(slicesByService.get(serviceKey), ref.name));
    serviceOfSlice.set(sliceKey, serviceKey);
    dirtyServices.add(serviceKey);
  };
  for (const slice of store.list<EndpointSlice>('EndpointSlice')) {
    noteSlice({
      kind: 'EndpointSlice',
      namespace: slice.metadata.namespace ?? '',
      name: slice.metadata.name,
    });
  }
  dirtyServices.clear();

  const assignmentFor = (edsName: string, cluster: Cluster): CachedResource => {
    const serviceKey = `${cluster.service.namespace}/${cluster.service.name}`;
    const known = assignments.get(edsName);
    if (known && !dirtyServices.has(serviceKey)) return known.assignment;
    const slices = [...multisetValues(slicesByService.get(serviceKey))]
      .sort(compareStrings)
      .map((name) => store.get<EndpointSlice>('EndpointSlice', cluster.service.namespace, name)!);
    const target = {
      namespace: cluster.service.namespace,
      name: cluster.service.name,
      portName: cluster.service.portName,
    };
    const endpoints = readyEndpoints(slices, target).map((endpoint) =>
      lbEndpoint(socketAddress(endpoint.address, endpoint.port)),
    );
    const service = { kind: 'Service', namespace: cluster.service.namespace, name: cluster.service.name };
    const checked = checker.check('endpoint', clusterLoadAssignment(edsName, endpoints), [service]);
    if (checked.rejection) rejected.set(edsName, checked.rejection);
    else rejected.delete(edsName);
    // Withholding an assignment would leave its cluster warming: Envoy gets it without endpoints instead.
    const assignment = checked.entry ?? cacheResource('endpoint', clusterLoadAssignment(edsName, []));
    assignments.set(edsName, { serviceKey, assignment });
    return assignment;
  };

  /** Recomputes the assignments of dirty Services only; the list is copied if any changed. */
  const patch = (list: CachedResource[]): EndpointChanges => {
    const upserted: CachedResource[] = [];
    let patched: CachedResource[] | undefined;
    for (const serviceKey of dirtyServices) {
      for (const edsName of edsNamesOfService.get(serviceKey) ?? []) {
        const assignment = assignmentFor(edsName, edsTargets.get(edsName)!);
        const index = endpointIndex.get(edsName)!;
        if (list[index] === assignment) continue;
        patched ??= [...list];
        patched[index] = assignment;
        upserted.push(assignment);
      }
    }
    dirtyServices.clear();
    return { upserted, list: patched ?? list };
  };

  return {
    noteSlice,
    setClusters(clusters) {
      const targets = new Map<string, Cluster>();
      const namesOfService = new Map<string, string[]>();
      for (const cluster of clusters) {
        if (cluster.externalName !== undefined || targets.has(cluster.edsName)) continue;
        targets.set(cluster.edsName, cluster);
        const serviceKey = `${cluster.service.namespace}/${cluster.service.name}`;
        const names = namesOfService.get(serviceKey);
        if (names) names.push(cluster.edsName);
        else namesOfService.set(serviceKey, [cluster.edsName]);
      }
      // A new set of EDS names (or new cluster objects for them) needs a new list; unchanged
      // Services keep their assignments.
      edsTargets = targets;
      edsNamesOfService = namesOfService;
      endpointList = undefined;
    },
    list() {
      if (endpointList) {
        if (dirtyServices.size > 0) endpointList = patch(endpointList).list;
        return endpointList;
      }
      const list: CachedResource[] = [];
      for (const [edsName, cluster] of edsTargets) list.push(assignmentFor(edsName, cluster));
      for (const edsName of assignments.keys()) {
        if (edsTargets.has(edsName)) continue;
        assignments.delete(edsName);
        rejected.delete(edsName);
      }
      dirtyServices.clear();
      endpointList = sortedByName(list);
      endpointIndex = new Map(endpointList.map((assignment, index) => [assignment.name, index]));
      return endpointList;
    },
    changes() {
      if (!endpointList) return undefined;
      const changes = patch(endpointList);
      endpointList = changes.list;
      return changes;
    },
    rejections: () => [...rejected.values()],
  };
};
