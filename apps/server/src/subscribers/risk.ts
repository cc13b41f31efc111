// The risk engine on live events (docs/safety.md, "Signals"): each committed event that concerns
// an account re-scores it in a write of its own (services/risk.ts). The emitting code does not
// know the engine exists; a failed assessment is logged by the bus and never undoes the event.
import type { AppContext } from '../context.js';

/** Subscribes the risk engine; returns the function that unsubscribes it (context close). */
export function subscribeRisk(ctx: Pick<AppContext, 'events' | 'write'>): () => void {
  const assess = async (accountId: string) => {
    await ctx.write((s) => s.risk.assess(accountId));
  };
  const stops = [
    // Minors blocking an account raise its score.
    ctx.events.subscribe('block.created', (e) => assess(e.blockedAccountId)),
    // Requests to minors (and their acceptance, age gaps at first contact).
    ctx.events.subscribe('contact.requested', (e) => assess(e.fromAccountId)),
    // A commit that brings accounts in may start a conversation: bursts.
    ctx.events.subscribe('members.added', (e) => assess(e.byAccountId)),
    // Reports from minors (emitted by the moderation service).
    ctx.events.subscribe('report.received', (e) => assess(e.subjectAccountId)),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
