// Small builders shared by the translators: Any packing, durations, the ADS config source.
import { create, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';
import { anyPack, DurationSchema, type Any, type Duration } from '@bufbuild/protobuf/wkt';
import {
  ApiVersion,
  ConfigSourceSchema,
  type ConfigSource,
} from '../gen/envoy/config/core/v3/config_source_pb.js';

/** Creates a message of `schema` from `init` and packs it into an Any. */
export const packAny = <Desc extends DescMessage>(schema: Desc, init?: MessageInitShape<Desc>): Any =>
  anyPack(schema, create(schema, init));

/** A protobuf Duration of a whole number of milliseconds. */
export const durationFromMs = (ms: number): Duration => {
  const whole = Math.max(0, Math.round(ms));
  return create(DurationSchema, {
    seconds: BigInt(Math.floor(whole / 1000)),
    nanos: (whole % 1000) * 1_000_000,
  });
};

/** The config source every dynamic resource uses: the ADS stream Envoy was bootstrapped with. */
export const adsConfigSource = (): ConfigSource =>
  create(ConfigSourceSchema, {
    resourceApiVersion: ApiVersion.V3,
    configSourceSpecifier: { case: 'ads' as const, value: {} },
  });

/** Compares strings by UTF-16 code units, the same order on every machine (unlike localeCompare). */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const maxUint32 = 0xffff_ffff;

/**
 * A number clamped into protobuf's uint32 range (NaN → 0). The DAG should never hold such values,
 * but an out-of-range number would make encoding throw later, far from its cause.
 */
export const uint32 = (value: number): number =>
  Number.isFinite(value) ? Math.min(maxUint32, Math.max(0, Math.trunc(value))) : value > 0 ? maxUint32 : 0;
