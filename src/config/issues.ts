// Helpers shared by the config file and ContourConfiguration readers.
import type { z } from 'zod';

/** Removes null values recursively: Contour decodes a YAML null as the field's zero value. */
export const stripNulls = (value: unknown): unknown => {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map(stripNulls);
  if (typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .map(([key, field]) => [key, stripNulls(field)] as const)
        .filter(([, field]) => field !== undefined),
    );
  return value;
};

/** zod issues as "path.to.field: message" joined by "; ". */
export const formatIssues = (error: z.ZodError): string =>
  error.issues
    .map((issue) => {
      const path = issue.path
        .map((part) => (typeof part === 'number' ? `[${part}]` : String(part)))
        .join('.');
      const keys =
        issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message;
      return path === '' ? keys : `${path.replace(/\.\[/g, '[')}: ${keys}`;
    })
    .join('; ');
