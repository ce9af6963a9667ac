// Bounds on what one xDS client may make the server hold: names per request and per stream, streams per
// connection and in all, and the size of one request. Past a bound the stream (or the new stream) ends
// with RESOURCE_EXHAUSTED and a message naming the bound and its flag.
import { status as grpcStatus } from '@grpc/grpc-js';

export interface XdsLimits {
  /** resource_names (SotW) or subscribe + unsubscribe + initial versions (delta) in one request. */
  maxNamesPerRequest: number;
  /** Names subscribed on one stream, all types together. */
  maxNamesPerStream: number;
  /** Streams open at a time on one connection (one client address and port). */
  maxStreamsPerConnection: number;
  /** Streams open at a time on the server. */
  maxStreams: number;
  /** The largest request message accepted (gRPC max receive message length), in bytes. */
  maxReceiveMessageBytes: number;
}

/**
 * The defaults of the `--xds-max-*` flags: several times what a large legitimate client needs (an Envoy
 * in a 10,000-service cluster subscribes about 10,000 EDS names on one ADS stream; per-type services
 * use up to 10 streams on one connection).
 */
export const defaultXdsLimits: XdsLimits = {
  maxNamesPerRequest: 100_000,
  maxNamesPerStream: 200_000,
  maxStreamsPerConnection: 100,
  maxStreams: 20_000,
  maxReceiveMessageBytes: 16 * 1024 * 1024,
};

/** The status a stream ends with when it passes a bound. */
export interface LimitRefusal {
  code: grpcStatus;
  details: string;
}

/** The refusal of a stream that passed a bound: `what` says what was counted, `flag` which flag raises it. */
export const limitRefusal = (what: string, limit: number, flag: string): LimitRefusal => ({
  code: grpcStatus.RESOURCE_EXHAUSTED,
  details: `${what}: over the limit of ${limit} (contour serve --${flag})`,
});
