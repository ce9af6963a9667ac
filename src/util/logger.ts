// The process logger: pino JSON by default, readable text with --log-format text.
import { pino, type Logger } from 'pino';
import { redactedValue, redactPemKeys } from './redaction.js';

export type { Logger };

export interface LoggerOptions {
  format: 'json' | 'text';
  debug: boolean;
  /** Write to stderr (the default) or a given file descriptor. */
  destination?: number;
}

// Fields that hold keys, at the top or one level down (a logged Secret's data holds them base64-encoded).
const keyFields = ['privateKey', 'private_key', 'data["tls.key"]'];
const redact = { paths: [...keyFields, ...keyFields.map((field) => `*.${field}`)], censor: redactedValue };

/** Creates the root logger. */
export const createLogger = (options: LoggerOptions): Logger => {
  const level = options.debug ? 'debug' : 'info';
  const destination = pino.destination({ dest: options.destination ?? 2, sync: true });
  // A last line of defence: whatever field or message carries a PEM private key, the line does not.
  if (options.format === 'json')
    return pino({ level, base: undefined, redact, hooks: { streamWrite: redactPemKeys } }, destination);
  return pino(
    {
      level,
      base: undefined,
      redact,
      timestamp: false,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // Text format: "level msg key=value ...", one line, no JSON.
        streamWrite: (json: string) => {
          const line = redactPemKeys(json);
          try {
            const { level: lvl, msg, ...fields } = JSON.parse(line) as Record<string, unknown>;
            const extra = Object.entries(fields)
              .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
              .join(' ');
            return `${String(lvl)} ${typeof msg === 'string' ? msg : JSON.stringify(msg ?? '')}${extra ? ' ' + extra : ''}\n`;
          } catch {
            return line;
          }
        },
      },
    },
    destination,
  );
};

/** A logger that drops everything (for tests and offline commands). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
