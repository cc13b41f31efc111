// Wraps methods of SEAL objects (evaluator, encoder, decryptor) so a bench can see what the
// server's thread spends its time on, or look at ciphertexts as they pass. Bench-only.

type Method = (...args: unknown[]) => unknown;

/** Replaces each named method of `target` with one that calls `around(name, args, call)`. */
export function intercept(
  target: object,
  names: readonly string[],
  around: (name: string, args: unknown[], call: () => unknown) => unknown,
): void {
  const methods = target as Record<string, Method>;
  for (const name of names) {
    const original = methods[name];
    if (typeof original !== 'function') throw new Error(`no method ${name}`);
    methods[name] = (...args: unknown[]) => around(name, args, () => original.apply(target, args));
  }
}

/** Milliseconds and calls per label. */
export class Stopwatch {
  readonly totals = new Map<string, { ms: number; calls: number }>();

  time<T>(label: string, call: () => T): T {
    const started = performance.now();
    try {
      return call();
    } finally {
      const total = this.totals.get(label) ?? { ms: 0, calls: 0 };
      total.ms += performance.now() - started;
      total.calls++;
      this.totals.set(label, total);
    }
  }
}
