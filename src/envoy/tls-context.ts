// TLS transport sockets: downstream (serving certificates via SDS) and upstream (to backends).
import { create } from '@bufbuild/protobuf';
import { TransportSocketSchema, type TransportSocket } from '../gen/envoy/config/core/v3/base_pb.js';
import {
  DownstreamTlsContextSchema,
  UpstreamTlsContextSchema,
  type DownstreamTlsContext,
  type UpstreamTlsContext,
} from '../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import {
  SubjectAltNameMatcher_SanType,
  TlsParameters_TlsProtocol,
} from '../gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import type { TlsVersion } from '../dag/types.js';
import { wellKnown } from './names.js';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { adsConfigSource } from './proto-util.js';

/** Envoy's enum value for a TLS version string of the DAG. */
export const tlsProtocol = (version: TlsVersion): TlsParameters_TlsProtocol =>
  version === '1.3' ? TlsParameters_TlsProtocol.TLSv1_3 : TlsParameters_TlsProtocol.TLSv1_2;

/** Contour's default TLS 1.2 cipher suites (TLS 1.3 suites are not configurable in Envoy). */
export const defaultCipherSuites = [
  '[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]',
  '[ECDHE-RSA-AES128-GCM-SHA256|ECDHE-RSA-CHACHA20-POLY1305]',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
];

export interface DownstreamTlsSettings {
  /** SDS name of the serving certificate. */
  secretName: string;
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
  cipherSuites: string[];
  /** ECDH curves; empty = Envoy's defaults. */
  ecdhCurves: string[];
  /** Empty for TCP proxying: the backend picks the protocol. */
  alpnProtocols: string[];
}

/** The TLS context of a filter chain terminating TLS with a certificate served over SDS. */
export const downstreamTlsContext = (settings: DownstreamTlsSettings): DownstreamTlsContext =>
  create(DownstreamTlsContextSchema, {
    commonTlsContext: {
      tlsParams: {
        tlsMinimumProtocolVersion: tlsProtocol(settings.minVersion),
        tlsMaximumProtocolVersion: tlsProtocol(settings.maxVersion),
        cipherSuites: settings.cipherSuites,
        ecdhCurves: settings.ecdhCurves,
      },
      tlsCertificateSdsSecretConfigs: [{ name: settings.secretName, sdsConfig: adsConfigSource() }],
      alpnProtocols: settings.alpnProtocols,
    },
  });

/** The TLS parameters of every connection to a TLS backend (Contour's `cluster.upstream-tls`). */
export interface UpstreamTlsParameters {
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
  /** TLS 1.2 cipher suites. */
  cipherSuites: string[];
  /** ECDH curves; empty = Envoy's defaults. */
  ecdhCurves: string[];
}

/** Contour's upstream TLS defaults: 1.2 to 1.3, its cipher list, Envoy's curves. */
export const defaultUpstreamTlsParameters: UpstreamTlsParameters = {
  minVersion: '1.2',
  maxVersion: '1.3',
  cipherSuites: defaultCipherSuites,
  ecdhCurves: [],
};

export interface UpstreamTlsSettings {
  sni?: string;
  alpnProtocols: string[];
  parameters: UpstreamTlsParameters;
  /** Verify the backend with this CA (an SDS secret name) and subject alt name. */
  validation?: { caSecret: string; subjectName: string };
  /** SDS name of the client certificate Envoy presents (Contour's `tls.envoy-client-certificate`). */
  clientCertificate?: string;
}

/** The TLS context Envoy uses towards a backend. */
export const upstreamTlsContext = (settings: UpstreamTlsSettings): UpstreamTlsContext =>
  create(UpstreamTlsContextSchema, {
    sni: settings.sni ?? '',
    commonTlsContext: {
      alpnProtocols: settings.alpnProtocols,
      tlsParams: {
        tlsMinimumProtocolVersion: tlsProtocol(settings.parameters.minVersion),
        tlsMaximumProtocolVersion: tlsProtocol(settings.parameters.maxVersion),
        cipherSuites: settings.parameters.cipherSuites,
        ecdhCurves: settings.parameters.ecdhCurves,
      },
      tlsCertificateSdsSecretConfigs: settings.clientCertificate
        ? [{ name: settings.clientCertificate, sdsConfig: adsConfigSource() }]
        : [],
      validationContextType: settings.validation
        ? {
            // The CA comes over SDS (a validation_context secret); the SAN check stays local.
            case: 'combinedValidationContext' as const,
            value: {
              defaultValidationContext: {
                matchTypedSubjectAltNames: [
                  {
                    sanType: SubjectAltNameMatcher_SanType.DNS,
                    matcher: {
                      matchPattern: { case: 'exact' as const, value: settings.validation.subjectName },
                    },
                  },
                ],
              },
              validationContextSdsSecretConfig: {
                name: settings.validation.caSecret,
                sdsConfig: adsConfigSource(),
              },
            },
          }
        : { case: undefined },
    },
  });

/** Wraps a downstream or upstream TLS context as an `envoy.transport_sockets.tls` socket. */
export const tlsTransportSocket = (context: DownstreamTlsContext | UpstreamTlsContext): TransportSocket =>
  create(TransportSocketSchema, {
    name: wellKnown.tlsTransportSocket,
    configType: {
      case: 'typedConfig' as const,
      value:
        context.$typeName === 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext'
          ? anyPack(DownstreamTlsContextSchema, context)
          : anyPack(UpstreamTlsContextSchema, context),
    },
  });
