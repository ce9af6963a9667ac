// The process's Prometheus registry; every stage registers its metrics here.
import { Registry, collectDefaultMetrics } from 'prom-client';

/** The one registry served on /metrics. */
export const metricsRegistry = new Registry();

let defaultsCollected = false;

/** Adds Node's process metrics (CPU, memory, event loop lag) once. */
export const collectProcessMetrics = (): void => {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: metricsRegistry });
};
