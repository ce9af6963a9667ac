// The transport floor of the edit and endpoints rows: a bare grpc-js server writes one pre-encoded
// message of SIZE bytes to each of CLIENTS bidi streams (one connection each, Envoy's flow-control
// windows), received by a child process; prints the time from the first write to the last receipt (p50, min, max over 15 rounds).
// No xDS, no planning, no encoding: what any change of that size costs to reach that many clients.
//   node --import tsx bench/transport-floor.ts [SIZE=2000000] [CLIENTS=100]
import * as grpc from '@grpc/grpc-js';
import { fork } from 'node:child_process';
import { clientChannelOptions } from './ads-client.js';

const method = '/bench.Floor/Stream';
const identity = (bytes: Buffer): Buffer => bytes;
const size = Number(process.argv[2] ?? 2_000_000);
const clients = Number(process.argv[3] ?? 100);

const runClients = (port: number): void => {
  let received = 0;
  for (let index = 0; index < clients; index++) {
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      ...clientChannelOptions,
      'grpc.use_local_subchannel_pool': 1,
      'floor.channel': index,
    });
    const stream = client.makeBidiStreamRequest(method, identity, identity);
    stream.on('data', () => {
      received += 1;
      if (received < clients) return;
      received = 0;
      // process.hrtime is CLOCK_MONOTONIC: comparable with the parent's readings.
      process.send?.(process.hrtime.bigint().toString());
    });
    stream.write(Buffer.from('hello'));
  }
};

const runServer = async (): Promise<void> => {
  const server = new grpc.Server({ 'grpc.max_send_message_length': -1 });
  const calls: grpc.ServerDuplexStream<Buffer, Buffer>[] = [];
  let allConnected: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (allConnected = resolve));
  const definition: grpc.ServiceDefinition = {
    Stream: {
      path: method,
      requestStream: true,
      responseStream: true,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
  server.addService(definition, {
    Stream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.once('data', () => {
        calls.push(call);
        if (calls.length === clients) allConnected();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const child = fork(process.argv[1], [String(size), String(clients), 'clients', String(port)], {
    execArgv: ['--import', 'tsx'],
  });
  await connected;
  const payload = Buffer.alloc(size, 7);
  const times: number[] = [];
  for (let round = 0; round < 15; round++) {
    const done = new Promise<bigint>((resolve) => child.once('message', (at: string) => resolve(BigInt(at))));
    const start = process.hrtime.bigint();
    for (const call of calls) call.write(payload);
    times.push(Number((await done) - start) / 1e6);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  times.sort((a, b) => a - b);
  process.stdout.write(
    `${size} bytes × ${clients} streams: p50 ${times[7].toFixed(1)} ms, min ${times[0].toFixed(1)}, max ${times[14].toFixed(1)}\n`,
  );
  child.kill();
  server.forceShutdown();
};

if (process.argv[4] === 'clients') runClients(Number(process.argv[5]));
else await runServer();
