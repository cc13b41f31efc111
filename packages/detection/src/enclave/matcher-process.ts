// Entry point of the enclave matcher process (forked by enclave.ts). Everything that arrives is
// a bank at start-up, then payloads; everything that leaves is the matcher's public report, then
// verdicts (entry id + distance for a match, nothing otherwise) or error codes. The HPKE private
// key is generated here and never sent anywhere.
import { DetectionError } from '../errors.js';
import type { DetectionContext } from '../mode.js';
import { EnclaveMatcher, type MatcherBank } from './matcher.js';

type Request =
  | { type: 'init'; bank: MatcherBank; radius: number; qualityFloor: number }
  | { type: 'evaluate'; id: number; payload: Uint8Array; context: DetectionContext };

let matcher: EnclaveMatcher | undefined;

const send = (message: unknown) => process.send?.(message);

process.on('disconnect', () => process.exit(0));
process.on('message', (request: Request) => {
  void handle(request);
});

async function handle(request: Request): Promise<void> {
  if (request.type === 'init') {
    try {
      matcher = await EnclaveMatcher.create(request.bank, {
        radius: request.radius,
        qualityFloor: request.qualityFloor,
      });
      send({
        type: 'ready',
        publicKey: matcher.publicKey,
        bankRoot: matcher.bankRoot,
        bankTreeSize: matcher.bankTreeSize,
      });
    } catch (error) {
      send({ type: 'failed', ...describe(error) });
    }
    return;
  }
  if (request.type === 'evaluate') {
    try {
      if (matcher === undefined) throw new DetectionError('DETECTION_ENCLAVE_UNAVAILABLE', 'not initialised');
      const match = await matcher.evaluate(request.payload, request.context);
      send({ type: 'result', id: request.id, match });
    } catch (error) {
      send({ type: 'result', id: request.id, error: describe(error) });
    }
  }
}

/** Only typed errors' codes and messages leave (they never contain payload bytes). */
function describe(error: unknown): { code: string; message: string } {
  if (error instanceof DetectionError)
    return { code: error.code, message: error.message.replace(/^[A-Z_]+: /, '') };
  return { code: 'DETECTION_MALFORMED_PAYLOAD', message: 'the matcher could not process the payload' };
}
