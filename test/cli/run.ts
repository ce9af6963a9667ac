// Runs bin/contour as a real process (flags parsed by commander, exit code, stdout/stderr).
import { spawn, spawnSync } from 'node:child_process';
import { contourBin } from '../helpers/process.js';

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `contour <args>` to completion. */
export const runContour = (args: string[], env: Record<string, string> = {}): CommandResult => {
  const result = spawnSync(contourBin, args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

/** Runs `contour <args>` without blocking the event loop (needed when the test also hosts a server). */
export const runContourAsync = (args: string[], env: Record<string, string> = {}): Promise<CommandResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(contourBin, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
