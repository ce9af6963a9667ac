// Envoy's admin API over its Unix domain socket (Contour's bootstrap puts it at /admin/admin.sock).
import { request } from 'node:http';

export interface AdminResponse {
  status: number;
  body: string;
}

/** Sends one HTTP request to Envoy's admin API on a Unix socket; rejects when the socket cannot be reached. */
export const adminRequest = (
  socketPath: string,
  method: 'GET' | 'POST',
  path: string,
  timeoutMs = 10_000,
): Promise<AdminResponse> =>
  new Promise((resolve, reject) => {
    const outgoing = request({ socketPath, method, path, headers: { host: 'unix' } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    outgoing.setTimeout(timeoutMs, () =>
      outgoing.destroy(new Error(`${method} ${path}: no answer from ${socketPath} within ${timeoutMs} ms`)),
    );
    outgoing.on('error', (error) =>
      reject(new Error(`${method} ${path} on ${socketPath}: ${error.message}`)),
    );
    outgoing.end();
  });
