// Real gRPC backends on loopback for the proxyless tests: each answers `/routing.Alpha/Who` and
// `/routing.Beta/Who` with its own name, so a client can see where an RPC was routed.
import * as grpc from '@grpc/grpc-js';

export const alphaMethod = '/routing.Alpha/Who';
export const betaMethod = '/routing.Beta/Who';

const identity = (value: Buffer): Buffer => value;

const whoMethod = (path: string, name: string) => ({
  definition: {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  } satisfies grpc.MethodDefinition<Buffer, Buffer>,
  handler: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
    callback(null, Buffer.from(name)),
});

export interface Backend {
  name: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts a backend named `name` on 127.0.0.1 with a free port. */
export const startBackend = async (name: string): Promise<Backend> => {
  const server = new grpc.Server();
  const alpha = whoMethod(alphaMethod, name);
  const beta = whoMethod(betaMethod, name);
  server.addService(
    { AlphaWho: alpha.definition, BetaWho: beta.definition },
    { AlphaWho: alpha.handler, BetaWho: beta.handler },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    name,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // Proxyless clients keep connections open; do not wait on them.
        setTimeout(() => server.forceShutdown(), 500).unref();
      }),
  };
};

/** Calls `method` on a channel and resolves with the answering backend's name. */
export const who = (client: grpc.Client, method: string, metadata = new grpc.Metadata()): Promise<string> =>
  new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      method,
      identity,
      identity,
      Buffer.alloc(0),
      metadata,
      { deadline: Date.now() + 30_000 },
      (error, response) =>
        error || !response ? reject(error ?? new Error('no response')) : resolve(response.toString()),
    );
  });
