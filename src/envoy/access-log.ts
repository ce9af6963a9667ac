// Access logging: Envoy's default text format to a file (stdout by default), as Contour does.
import { create } from '@bufbuild/protobuf';
import { AccessLogSchema, type AccessLog } from '../gen/envoy/config/accesslog/v3/accesslog_pb.js';
import { FileAccessLogSchema } from '../gen/envoy/extensions/access_loggers/file/v3/file_pb.js';
import { wellKnown } from './names.js';
import { packAny } from './proto-util.js';

/** The access loggers of a listener writing to `path`; none when `path` is empty. */
export const fileAccessLogs = (path: string): AccessLog[] =>
  path === ''
    ? []
    : [
        create(AccessLogSchema, {
          name: wellKnown.fileAccessLog,
          configType: { case: 'typedConfig' as const, value: packAny(FileAccessLogSchema, { path }) },
        }),
      ];
