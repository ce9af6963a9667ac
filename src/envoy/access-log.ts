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
