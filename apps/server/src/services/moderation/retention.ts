import type { Services } from '../services.js';

/**
 * Deletes the contents of every case whose preservation period (and any legal hold) has ended:
 * candidates are read outside the writer, each deletion is its own write that checks again.
 * Returns the cases swept.
 */
export async function sweepExpiredEvidence(
  ctx: { read(): Services; write<T>(fn: (services: Services) => Promise<T>): Promise<T> },
  at: number,
): Promise<string[]> {
  const swept: string[] = [];
  for (const caseId of await ctx.read().moderation.expiredCases(at)) {
    if (await ctx.write((s) => s.moderation.deleteExpiredEvidence(caseId, at))) swept.push(caseId);
  }
  return swept;
}
