/** Worker-thread entry: decodes and hashes one file per task (run by piscina). */
import { hashImageFile } from '@safelight/media';
import { PdqHasher } from '@safelight/pdq';
import { failure, type HashJob } from './hash-job.js';

const hasher = new PdqHasher();

export default async function hashInWorker(job: HashJob) {
  try {
    return { ok: true as const, path: job.path, hashes: await hashImageFile(job.path, job.options, hasher) };
  } catch (error) {
    return failure(job.path, error);
  }
}
