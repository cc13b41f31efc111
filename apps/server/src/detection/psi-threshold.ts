// psi-threshold. Devices download the publication (it ties the blinded table's
// SHA-256 to the bank's Merkle commitment, packages/detection/src/psi/publication.ts) with the
// device download, then the table itself from GET /v1/detection/psi/table, and check one against
// the other (verifyPsiParameters) before they make any voucher. The server half is a
// PsiServerPool: the per-voucher outer-layer opening runs on worker threads.
import { Readable } from 'node:stream';
import { detection } from '@safelight/api';
import {
  createPsiThresholdMode,
  DEFAULT_SYNTHETIC_RATE,
  PSI_TABLE_PATH,
  psiTableHeader,
  readHeader,
  type ServerEvaluator,
} from '@safelight/detection';
import { ServerError } from '../errors.js';
import { type Api, fromContract } from '../http.js';
import { evaluatorMode } from './evaluator.js';
import type { ServerDetectionModeFactory } from './mode.js';

export type { PsiDeploymentOptions } from './types.js';

/** Banks from this size build their table over worker threads (~1.3 ms of CPU per bank key). */
const PARALLEL_BUILD_FROM = 10_000;
/** The table is sent in slices of this size, so a slow device holds back the socket, not memory. */
const CHUNK_BYTES = 1024 * 1024;

export const psiThresholdMode: ServerDetectionModeFactory = async (deployment) => {
  const { bank, parameters } = deployment;
  const options = deployment.psi ?? {};
  let factory: ReturnType<typeof createPsiThresholdMode>;
  try {
    factory = createPsiThresholdMode({
      ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
      ...(options.syntheticRate === undefined ? {} : { syntheticRate: options.syntheticRate }),
    });
  } catch (error) {
    throw new ServerError('VALIDATION_FAILED', `detection.psi: ${(error as Error).message}`);
  }
  const parallel = options.buildThreads !== undefined || bank.entries.length >= PARALLEL_BUILD_FROM;
  const setup = await factory.setupDetailed(
    { bank, ...parameters },
    parallel
      ? { ...(options.buildThreads === undefined ? {} : { threads: options.buildThreads }) }
      : undefined,
  );
  const pool = setup.pool(options.threads === undefined ? {} : { threads: options.threads });
  // Vouchers travel with the shared detection header, so another mode's payload is refused as
  // DETECTION_WRONG_MODE here like everywhere else; the pool sees the voucher inside.
  const evaluator: ServerEvaluator = {
    mode: 'psi-threshold',
    evaluate: async (payload, context) => pool.evaluate(readHeader('psi-threshold', payload), context),
  };
  const { table } = setup.params;
  const header = psiTableHeader(table);
  const bytes = header.length + table.elements.length;
  const etag = `"${setup.publication.table.sha256}"`;
  const syntheticRate = options.syntheticRate ?? DEFAULT_SYNTHETIC_RATE;
  return evaluatorMode(evaluator, {
    download: {
      mode: 'psi-threshold',
      publication: setup.publication,
      ...parameters,
      syntheticRate,
      table: { url: PSI_TABLE_PATH, bytes },
    },
    routes: {
      /**
       * `GET /v1/detection/psi/table`: the blinded table (psi/table-file.ts), streamed from memory
       * in 1 MiB slices. Public like the publication; the ETag is the published digest, so a
       * device that already holds this table revalidates with If-None-Match and gets a 304.
       */
      public: (app: Api) => {
        app.route({
          ...fromContract(detection.psiTable, ['detection'], false),
          handler: async (request, reply) => {
            reply.header('etag', etag).header('cache-control', 'no-cache');
            if (request.headers['if-none-match'] === etag) return reply.status(304).send();
            reply.header('content-type', 'application/octet-stream').header('content-length', bytes);
            return reply.send(Readable.from(slices(header, table.elements)));
          },
        });
      },
    },
    notes: [
      `threshold ${setup.publication.threshold}, synthetic rate ${syntheticRate}, table ${table.size} slots (${bytes} bytes, sha256 ${setup.publication.table.sha256})`,
      `bank commitment ${setup.publication.bankCommitment.root} (${setup.publication.bankCommitment.treeSize} distinct hashes)`,
    ],
    close: () => pool.close(),
  });
};

function* slices(header: Uint8Array, elements: Uint8Array): Generator<Buffer> {
  yield Buffer.from(header);
  for (let at = 0; at < elements.length; at += CHUNK_BYTES) {
    const end = Math.min(elements.length, at + CHUNK_BYTES);
    // A view on the table, not a copy.
    yield Buffer.from(elements.buffer, elements.byteOffset + at, end - at);
  }
}
