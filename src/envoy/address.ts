// Listener addresses and socket options.
import { create } from '@bufbuild/protobuf';
import {
  AddressSchema,
  SocketAddress_Protocol,
  type Address,
} from '../gen/envoy/config/core/v3/address_pb.js';
import { uint32 } from './proto-util.js';
import {
  SocketOption_SocketState,
  SocketOptionSchema,
  type SocketOption,
} from '../gen/envoy/config/core/v3/socket_option_pb.js';

/** A TCP socket address; `::` also accepts IPv4 (ipv4_compat), as Contour configures it. */
export const socketAddress = (address: string, port: number): Address =>
  create(AddressSchema, {
    address: {
      case: 'socketAddress' as const,
      value: {
        protocol: SocketAddress_Protocol.TCP,
        address,
        portSpecifier: { case: 'portValue' as const, value: uint32(port) },
        ipv4Compat: address === '::',
      },
    },
  });

// Linux socket option numbers (Envoy passes them to setsockopt as they are).
const solSocket = 1;
const soKeepalive = 9;
const ipprotoTcp = 6;
const tcpKeepIdle = 4;
const tcpKeepInterval = 5;
const tcpKeepCount = 6;
const ipprotoIp = 0;
const ipTos = 1;
const ipprotoIpv6 = 41;
const ipv6TrafficClass = 67;

const listeningOption = (description: string, level: number, name: number, value: number): SocketOption =>
  create(SocketOptionSchema, {
    description,
    level: BigInt(level),
    name: BigInt(name),
    value: { case: 'intValue' as const, value: BigInt(value) },
    state: SocketOption_SocketState.STATE_LISTENING,
  });

/** TCP keep-alive on listening sockets: probes after 45s idle, every 5s, 9 times (Contour's values). */
export const tcpKeepaliveOptions = (): SocketOption[] => [
  listeningOption('Enable TCP keep-alive', solSocket, soKeepalive, 1),
  listeningOption('TCP keep-alive initial idle time', ipprotoTcp, tcpKeepIdle, 45),
  listeningOption('TCP keep-alive time between probes', ipprotoTcp, tcpKeepInterval, 5),
  listeningOption('TCP keep-alive probe count', ipprotoTcp, tcpKeepCount, 9),
];

/** IPv4 TOS and IPv6 traffic class of the listening sockets (Contour's listener.socket-options); 0 = not set. */
export const trafficMarkingOptions = (tos = 0, trafficClass = 0): SocketOption[] => [
  ...(tos !== 0 ? [listeningOption('Set IPv4 TOS field', ipprotoIp, ipTos, tos)] : []),
  ...(trafficClass !== 0
    ? [listeningOption('Set IPv6 Traffic Class field', ipprotoIpv6, ipv6TrafficClass, trafficClass)]
    : []),
];
