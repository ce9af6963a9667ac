// Access logging: Envoy's default text format (or a custom one, or JSON fields) to a file, as Contour does.
import { create } from '@bufbuild/protobuf';
import {
  AccessLogFilterSchema,
  AccessLogSchema,
  ComparisonFilter_Op,
  type AccessLog,
  type AccessLogFilter,
} from '../gen/envoy/config/accesslog/v3/accesslog_pb.js';
import { FileAccessLogSchema } from '../gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import { ReqWithoutQuerySchema } from '../gen/envoy/extensions/formatter/req_without_query/v3/req_without_query_pb.js';
import { MetadataSchema } from '../gen/envoy/extensions/formatter/metadata/v3/metadata_pb.js';
import { wellKnown } from './names.js';
import { packAny } from './proto-util.js';

/** How access log lines are written (Contour's accesslog-format, -format-string, json-fields, -level). */
export interface AccessLogFormat {
  format: 'envoy' | 'json';
  /** Envoy text format for `envoy`; absent = Envoy's default format. */
  formatString?: string;
  /** Field name → Envoy format, for `json`. */
  jsonFields?: Record<string, string>;
  /** `error` logs responses ≥ 300 and flagged ones, `critical` ≥ 500 and flagged ones. */
  level: 'info' | 'error' | 'critical';
}

export const defaultAccessLogFormat: AccessLogFormat = { format: 'envoy', level: 'info' };

/** Envoy's command operators in a format string (Contour's pattern): group 2 is the operator's name. */
export const commandOperatorPattern = /%(([A-Z0-9_]+)(\([^)]+\)(:[0-9]+)?)?%)?/g;

// The operators Envoy formats only through an extension, and that extension's config (empty in both).
const formatterExtensions = [
  { operator: 'REQ_WITHOUT_QUERY', name: 'envoy.formatter.req_without_query', schema: ReqWithoutQuerySchema },
  { operator: 'METADATA', name: 'envoy.formatter.metadata', schema: MetadataSchema },
] as const;

/**
 * The formatter extensions the format's operators need, as Contour adds them (AccessLogFormatterExtensions):
 * from the format string for `envoy`, from the field values for `json`. In a fixed order (Contour's is
 * map order, which Envoy does not care about).
 */
export const formatterExtensionNames = (format: AccessLogFormat): string[] => {
  const texts =
    format.format === 'json' ? Object.values(format.jsonFields ?? {}) : [format.formatString ?? ''];
  const operators = new Set(
    texts.flatMap((text) => [...text.matchAll(commandOperatorPattern)].map((match) => match[2])),
  );
  return formatterExtensions
    .filter((extension) => operators.has(extension.operator))
    .map((extension) => extension.name);
};

const formattersOf = (format: AccessLogFormat) => {
  const names = formatterExtensionNames(format);
  return formatterExtensions
    .filter((extension) => names.includes(extension.name))
    .map((extension) => ({ name: extension.name, typedConfig: packAny(extension.schema, {}) }));
};

// Contour's filter: a status code at least `minimum` (overridable at runtime), or any response flag.
const errorsOnly = (minimum: number): AccessLogFilter =>
  create(AccessLogFilterSchema, {
    filterSpecifier: {
      case: 'orFilter' as const,
      value: {
        filters: [
          {
            filterSpecifier: {
              case: 'statusCodeFilter' as const,
              value: {
                comparison: {
                  op: ComparisonFilter_Op.GE,
                  value: { defaultValue: minimum, runtimeKey: 'contour.accesslog.filter.status_code' },
                },
              },
            },
          },
          { filterSpecifier: { case: 'responseFlagFilter' as const, value: {} } },
        ],
      },
    },
  });

const logFormatOf = (format: AccessLogFormat) => {
  if (format.format === 'json')
    return {
      case: 'logFormat' as const,
      value: {
        format: { case: 'jsonFormat' as const, value: { ...format.jsonFields } },
        omitEmptyValues: true,
        formatters: formattersOf(format),
      },
    };
  if (format.formatString === undefined) return undefined;
  return {
    case: 'logFormat' as const,
    value: {
      format: {
        case: 'textFormatSource' as const,
        value: { specifier: { case: 'inlineString' as const, value: format.formatString } },
      },
      formatters: formattersOf(format),
    },
  };
};

/** The access loggers of a listener writing to `path`; none when `path` is empty. */
export const fileAccessLogs = (
  path: string,
  format: AccessLogFormat = defaultAccessLogFormat,
): AccessLog[] =>
  path === ''
    ? []
    : [
        create(AccessLogSchema, {
          name: wellKnown.fileAccessLog,
          filter:
            format.level === 'error'
              ? errorsOnly(300)
              : format.level === 'critical'
                ? errorsOnly(500)
                : undefined,
          configType: {
            case: 'typedConfig' as const,
            value: packAny(FileAccessLogSchema, { path, accessLogFormat: logFormatOf(format) }),
          },
        }),
      ];
