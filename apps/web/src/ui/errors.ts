/** A message for people: the server's code and words when it refused, the error's message otherwise. */
export function describeError(error: unknown): string {
  if (error && typeof error === 'object' && 'serverCode' in error) {
    const e = error as { serverCode: string; message: string; details?: Record<string, unknown> };
    const named = typeof e.details?.rule === 'string' && !e.message.includes(e.details.rule);
    const rule = named ? ` (rule ${e.details?.rule})` : '';
    return `${e.message}${rule}`;
  }
  return error instanceof Error ? error.message : String(error);
}
