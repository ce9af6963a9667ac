// The edit and endpoints rows' ADS client fleet, run as a child process (bench/remote-fleet.ts forks
// it) so that receiving and decoding a hundred streams does not compete with the server's event loop
// and the measured latency is the server's. The clients are bench/ads-client.ts: real gRPC
// (@grpc/grpc-js), requests encoded with Envoy's protos, responses read from Envoy's wire format,
// every response ACKed. Timestamps are process.hrtime (CLOCK_MONOTONIC on Linux), the same clock
// in every process on the machine, so the parent can subtract its own readings from them.
import type * as grpc from '@grpc/grpc-js';
import { connectAdsClient, openChannels, type AdsClient, type Subscriptions } from './ads-client.js';
import type { ResourceType } from '../src/envoy/resources.js';

/** A resource every client must receive. `version` is compared for delta clients only. */
export interface HoldTarget {
  type: ResourceType;
  name: string;
  version?: string;
}

/** Messages from the parent. */
export type FleetRequest =
  | {
      kind: 'start';
      port: number;
      clients: number;
      channels: number;
      /** Clients with an even index speak state of the world, odd ones delta (when `mixed`). */
      mixed: boolean;
      subscriptions: Subscriptions;
    }
  /** Asks when every client holds every target, received after `since` (hrtime ns, decimal). */
  | { kind: 'await'; id: number; targets: HoldTarget[]; since: string; timeoutMs: number }
  | { kind: 'stop' };

/** Messages to the parent. */
export type FleetReply =
  | { kind: 'started'; clients: number }
  /** `at`: hrtime (decimal ns) at which the last client received the last target. */
  | { kind: 'held'; id: number; at: string; bytes: number }
  | { kind: 'failed'; id?: number; message: string };

const reply = (message: FleetReply): void => {
  process.send?.(message);
};

/** When `client` received the last of `targets` after `since`, or undefined if it does not hold them all. */
const holdTime = (client: AdsClient, targets: readonly HoldTarget[], since: bigint): bigint | undefined => {
  let latest = since;
  for (const target of targets) {
    const held = client.held(target.type).get(target.name);
    if (!held || held.receivedAt <= since) return undefined;
    if (client.variant === 'delta' && target.version !== undefined && held.version !== target.version)
      return undefined;
    if (held.receivedAt > latest) latest = held.receivedAt;
  }
  return latest;
};

interface Waiter {
  id: number;
  targets: HoldTarget[];
  since: bigint;
  timer: NodeJS.Timeout;
}

const run = (): void => {
  let clients: AdsClient[] = [];
  let channels: grpc.Client[] = [];
  const waiters = new Map<number, Waiter>();

  const check = (waiter: Waiter): void => {
    let latest = waiter.since;
    for (const client of clients) {
      const failure = client.error();
      if (failure)
        return finish(waiter, { kind: 'failed', id: waiter.id, message: `ADS client failed: ${failure}` });
      const at = holdTime(client, waiter.targets, waiter.since);
      if (at === undefined) return;
      if (at > latest) latest = at;
    }
    const bytes = clients.reduce((sum, client) => sum + client.bytes(), 0);
    finish(waiter, { kind: 'held', id: waiter.id, at: latest.toString(), bytes });
  };
  const finish = (waiter: Waiter, message: FleetReply): void => {
    clearTimeout(waiter.timer);
    waiters.delete(waiter.id);
    reply(message);
  };
  const onUpdate = (): void => {
    for (const waiter of [...waiters.values()]) check(waiter);
  };

  process.on('message', (message: FleetRequest) => {
    if (message.kind === 'start') {
      channels = openChannels(message.port, message.channels);
      clients = Array.from({ length: message.clients }, (_, index) =>
        connectAdsClient(
          channels[index % message.channels],
          message.mixed && index % 2 === 0 ? 'sotw' : 'delta',
          message.subscriptions,
          onUpdate,
        ),
      );
      reply({ kind: 'started', clients: clients.length });
    } else if (message.kind === 'await') {
      const waiter: Waiter = {
        id: message.id,
        targets: message.targets,
        since: BigInt(message.since),
        timer: setTimeout(() => {
          const names = message.targets.map((target) => `${target.type}/${target.name}`).join(', ');
          finish(waiter, {
            kind: 'failed',
            id: message.id,
            message: `clients did not all hold ${names || '(nothing)'} within ${message.timeoutMs} ms`,
          });
        }, message.timeoutMs),
      };
      waiters.set(waiter.id, waiter);
      check(waiter);
    } else {
      for (const client of clients) client.close();
      for (const channel of channels) channel.close();
      process.disconnect();
      process.exit(0);
    }
  });
  // The parent going away ends the fleet.
  process.on('disconnect', () => process.exit(0));
};

if (process.send !== undefined) run();
