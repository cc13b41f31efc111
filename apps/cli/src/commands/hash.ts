import { availableParallelism } from 'node:os';
import { DEFAULT_MAX_PIXELS, type HashFileOptions, hashImageFile } from '@safelight/media';
import { PDQ_QUALITY_THRESHOLD, PdqHasher } from '@safelight/pdq';
import { Piscina } from 'piscina';
import { failure, type HashJob, type HashOutcome } from '../hash-job.js';
import { expandInputs } from '../inputs.js';
import { createWriter, type OutputFormat } from '../output.js';
import { ProgressBar } from '../progress.js';

export interface HashCommandOptions {
  format: OutputFormat;
  dihedrals: boolean;
  minQuality: number;
  jobs: number;
  maxPixels: number;
  applyExifOrientation: boolean;
  applyIccProfile: boolean;
  progress: boolean;
}

export const HASH_DEFAULTS: HashCommandOptions = {
  format: 'jsonl',
  dihedrals: false,
  minQuality: PDQ_QUALITY_THRESHOLD,
  jobs: availableParallelism(),
  maxPixels: DEFAULT_MAX_PIXELS,
  applyExifOrientation: false,
  applyIccProfile: false,
  progress: true,
};

export interface HashRunResult {
  hashed: number;
  failed: number;
  exitCode: 0 | 1 | 2;
}

/** How many files may be decoding at once per worker: enough to hide I/O, bounded for memory. */
const IN_FLIGHT_PER_JOB = 4;

/**
 * `safelight hash`: hashes every file named (files, folders, globs), writing one result per file
 * to stdout in input order. A file that fails is reported with its path and reason (stdout
 * record + stderr line) and the rest continue; exit code 1 when any failed, 2 when there was
 * nothing to hash.
 */
export async function runHash(
  operands: readonly string[],
  options: HashCommandOptions,
  io: { stdout: (text: string) => void; stderr: (text: string) => void } = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  },
): Promise<HashRunResult> {
  const files = await expandInputs(operands);
  if (files.length === 0) {
    io.stderr('safelight hash: no image files found in the given paths\n');
    return { hashed: 0, failed: 0, exitCode: 2 };
  }
  const fileOptions: HashFileOptions = {
    dihedrals: options.dihedrals,
    maxPixels: options.maxPixels,
    applyExifOrientation: options.applyExifOrientation,
    applyIccProfile: options.applyIccProfile,
  };
  const writer = createWriter(
    options.format,
    { dihedrals: options.dihedrals, minQuality: options.minQuality },
    io.stdout,
  );
  const progress =
    options.progress && ProgressBar.shouldShow(files.length) ? new ProgressBar(files.length) : undefined;
  let hashed = 0;
  let failed = 0;
  const emit = (outcome: HashOutcome): void => {
    if (outcome.ok) {
      hashed++;
    } else {
      failed++;
      io.stderr(
        `${progress ? '\r\u001b[2K' : ''}safelight hash: ${outcome.path}: ${outcome.message} (${outcome.code})\n`,
      );
    }
    writer.write(outcome);
    progress?.tick(!outcome.ok);
  };

  const jobs = files.map((path): HashJob => ({ path, options: fileOptions }));
  if (options.jobs <= 1 || files.length === 1) await hashInProcess(jobs, emit);
  else await hashInWorkers(jobs, options.jobs, emit);

  progress?.finish();
  writer.end();
  if (failed > 0) io.stderr(`safelight hash: ${hashed} hashed, ${failed} failed\n`);
  return { hashed, failed, exitCode: failed > 0 ? 1 : 0 };
}

async function hashInProcess(jobs: HashJob[], emit: (o: HashOutcome) => void): Promise<void> {
  const hasher = new PdqHasher();
  for (const job of jobs) {
    try {
      emit({ ok: true, path: job.path, hashes: await hashImageFile(job.path, job.options, hasher) });
    } catch (error) {
      emit(failure(job.path, error));
    }
  }
}

/**
 * Decodes and hashes across worker threads (PDQ is CPU-bound JavaScript; sharp decodes off the
 * main thread too). Results are emitted in input order with a bounded window in flight, so
 * memory stays flat however many files there are.
 */
async function hashInWorkers(
  jobs: HashJob[],
  threads: number,
  emit: (o: HashOutcome) => void,
): Promise<void> {
  // From sources (tests, tsx) the worker is a .ts file; workers inherit the tsx loader.
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const pool = new Piscina<HashJob, HashOutcome>({
    filename: new URL(`../hash-worker${extension}`, import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
  try {
    const window = threads * IN_FLIGHT_PER_JOB;
    const pending: Array<Promise<HashOutcome>> = [];
    let next = 0;
    while (next < jobs.length || pending.length > 0) {
      while (next < jobs.length && pending.length < window) {
        const job = jobs[next++] as HashJob;
        pending.push(pool.run(job).catch((error: unknown) => failure(job.path, error)));
      }
      const outcome = await (pending.shift() as Promise<HashOutcome>);
      emit(outcome);
    }
  } finally {
    await pool.destroy();
  }
}
