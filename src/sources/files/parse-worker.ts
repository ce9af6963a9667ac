// A manifest-parsing worker thread (see parse-pool.ts): parses the files it is sent and checks the
// TLS Secrets among them, so both run beside the main thread instead of on it.
import { parentPort } from 'node:worker_threads';
import type { Secret } from '../../apis/kubernetes.js';
import { checkSecretForPriming, type PrimedSecretCheck } from '../../certs/secret-checks.js';
import { parseManifest, type ParsedManifest } from './parse.js';

/** A file to parse. */
export interface ParseRequest {
  id: number;
  file: string;
  text: string;
}

/** The parsed file, and the validation of every Secret in it. */
export interface ParseReply {
  id: number;
  parsed?: ParsedManifest;
  secretChecks?: PrimedSecretCheck[];
  error?: string;
}

parentPort?.on('message', (request: ParseRequest) => {
  let reply: ParseReply;
  try {
    const parsed = parseManifest(request.file, request.text);
    const secretChecks = parsed.objects
      .filter((object) => object.kind === 'Secret')
      .flatMap((object) => checkSecretForPriming(object as Secret));
    reply = { id: request.id, parsed, secretChecks };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
