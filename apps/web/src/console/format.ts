// Small pure formatters of the console: SLA clocks, durations, timestamps, match details.

/** "3h 12m", "5m", "2d 4h", "40s": the two largest units of a non-negative duration. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

/** The SLA clock of a case: "due in 3h 12m" or "overdue by 5m". */
export function slaClock(dueAt: number, now: number): { text: string; overdue: boolean } {
  const left = dueAt - now;
  return left >= 0
    ? { text: `due in ${shortDuration(left)}`, overdue: false }
    : { text: `overdue by ${shortDuration(-left)}`, overdue: true };
}

/** "00:12:34" (hours may exceed 99 in theory; never in a sane session). */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** An ISO-like local timestamp, to the second: "2026-11-21 18:47:26". */
export function timestamp(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export interface MatchDetail {
  readonly mode: string;
  readonly where?: string;
  readonly bankName?: string;
  readonly entry?: string;
  readonly distance?: number;
}

/**
 * A detection `match` event's detail as the server writes it (services/moderation, services/surfaces.ts):
 * "<mode>: <conversation>/<message> matched <bank>/<entry> at distance <n>" or
 * "<where>: image matched <bank>/<entry> at distance <n>". Unknown shapes keep only the text.
 */
export function parseMatchDetail(detail: string): MatchDetail {
  const colon = detail.indexOf(':');
  const mode = colon > 0 ? detail.slice(0, colon) : detail;
  const matched = /matched ([^/\s]+)\/(\S+)/.exec(detail);
  const distance = /at distance (\d+)/.exec(detail);
  return {
    mode,
    ...(matched ? { bankName: matched[1] as string, entry: matched[2] as string } : {}),
    ...(distance ? { distance: Number(distance[1]) } : {}),
  };
}

/** A byte count for people: "1.2 KB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
