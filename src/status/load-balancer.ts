// The address Ingresses and HTTPProxies report in status.loadBalancer: from --ingress-status-address,
// or from the Envoy Service (--envoy-service-name/--envoy-service-namespace), watched on its own.
import { isIP } from 'node:net';
import type { LoadBalancerStatus, Service } from '../apis/kubernetes.js';
import type { KubeClient } from '../sources/kubernetes/client.js';
import { runReflector } from '../sources/kubernetes/reflector.js';
import type { Logger } from '../util/logger.js';

/** Parses --ingress-status-address: comma-separated IPs and/or hostnames. */
export const parseIngressStatusAddress = (text: string): LoadBalancerStatus => ({
  ingress: text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((address) => (isIP(address) ? { ip: address } : { hostname: address })),
});

/** The load-balancer status a Service provides, by its type (as Contour reads it). */
export const loadBalancerOfService = (service: Service): LoadBalancerStatus => {
  const spec = service.spec as Service['spec'] & { externalIPs?: string[] };
  switch (spec.type) {
    case 'LoadBalancer':
      return {
        ingress: (service.status?.loadBalancer?.ingress ?? []).map(({ ip, hostname }) =>
          ip ? { ip } : { hostname },
        ),
      };
    case 'ExternalName':
      return { ingress: spec.externalName ? [{ hostname: spec.externalName }] : [] };
    default:
      return { ingress: (spec.externalIPs ?? []).map((ip) => (isIP(ip) ? { ip } : { hostname: ip })) };
  }
};

export interface EnvoyServiceWatchOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  logger: Logger;
  /** Called with the Service's load-balancer status whenever it changes (empty when deleted). */
  onChange: (status: LoadBalancerStatus) => void;
}

/** Watches the Envoy Service alone (any namespace may hold it); returns a stop function. */
export const watchEnvoyService = (options: EnvoyServiceWatchOptions): (() => Promise<void>) => {
  const controller = new AbortController();
  let last = '';
  const publish = (status: LoadBalancerStatus): void => {
    const text = JSON.stringify(status);
    if (text === last) return;
    last = text;
    options.onChange(status);
  };
  const running = runReflector(
    options.client,
    {
      kind: 'Service',
      group: '',
      version: 'v1',
      plural: 'services',
      namespaced: true,
      namespace: options.namespace,
      fieldSelector: `metadata.name=${options.name}`,
    },
    {
      onEvents: (events) => {
        for (const event of events) {
          if (event.type === 'delete') publish({ ingress: [] });
          else publish(loadBalancerOfService(event.object as Service));
        }
      },
      onSynced: () => undefined,
      onHealth: () => undefined,
    },
    options.logger.child({ component: 'envoy-service' }),
    controller.signal,
  );
  return async () => {
    controller.abort();
    await running;
  };
};
