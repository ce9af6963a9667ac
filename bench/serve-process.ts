// Runs `contour serve` as a child process and watches it become ready: the cold-start rows
// measure a real process, from spawn to the first 200 from /readyz.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { elapsedMs } from './stats.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A running `contour serve` child. */
export interface ServeProcess {
  child: ChildProcess;
  /** Milliseconds from spawn to the first /readyz 200. */
  readyMs: number;
  healthPort: number;
  /** The last /readyz body. */
  readiness: Record<string, unknown>;
  /** Resident set size now, in MB (from /proc). */
  rssMb(): number;
  stop(): Promise<void>;
}

const getJson = (port: number, path: string): Promise<{ status: number; body: Record<string, unknown> }> =>
  new Promise((resolvePromise, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: 5000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        try {
          resolvePromise({
            status: response.statusCode ?? 0,
            body: JSON.parse(text) as Record<string, unknown>,
          });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });

/** Resident set size of a process in MB, from /proc/<pid>/status. */
export const rssMbOf = (pid: number): number => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
};

/**
 * Starts `contour serve` with `args` (plus loopback/ephemeral-port flags) and resolves once /readyz
 * answers 200. Rejects with the process's last output when it exits first or `timeoutMs` passes.
 */
export const startServeProcess = async (args: string[], timeoutMs: number): Promise<ServeProcess> => {
  const start = process.hrtime.bigint();
  // bin/contour runs the compiled CLI (bench/run.ts builds it first), as a deployment would.
  const child = spawn(
    resolve(repoRoot, 'bin/contour'),
    [
      'serve',
      '--xds-address=127.0.0.1',
      '--xds-port=0',
      '--health-address=127.0.0.1',
      '--health-port=0',
      '--debug-http-address=127.0.0.1',
      '--debug-http-port=0',
      '--log-format=json',
      ...args,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let healthPort: number | undefined;
  let exited: string | undefined;
  const onLine = (line: string): void => {
    output = (output + line + '\n').slice(-4000);
    if (healthPort !== undefined || !line.includes('"health"')) return;
    try {
      const entry = JSON.parse(line) as { server?: string; port?: number };
      if (entry.server === 'health' && typeof entry.port === 'number') healthPort = entry.port;
    } catch {
      // not a JSON log line
    }
  };
  let pending = '';
  const onData = (chunk: Buffer): void => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(onLine);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.on('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  };

  for (;;) {
    if (exited) throw new Error(`contour serve ${exited} before ready: ${lastLines(output)}`);
    if (elapsedMs(start) > timeoutMs) {
      await stop();
      throw new Error(`contour serve not ready after ${timeoutMs} ms: ${lastLines(output)}`);
    }
    if (healthPort !== undefined) {
      const answer = await getJson(healthPort, '/readyz').catch(() => undefined);
      if (answer?.status === 200) {
        const readyMs = elapsedMs(start);
        const pid = child.pid!;
        return { child, readyMs, healthPort, readiness: answer.body, rssMb: () => rssMbOf(pid), stop };
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
};

const lastLines = (output: string): string => output.trim().split('\n').slice(-3).join(' | ');
