import type { RouteContract } from '@safelight/api';
import type { FastifyRequest } from 'fastify';
import { fromContract } from '../../http.js';
import type { StaffMember } from '../../services/moderation.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The staff member of a request on the staff plugin (set by its hook). */
    staff: StaffMember | null;
  }
}

/** The staff member of a request on the staff plugin. */
export function staffOf(request: FastifyRequest): StaffMember {
  if (request.staff === null) throw new Error('staffOf() outside the staff plugin');
  return request.staff;
}

/** A staff route's Fastify options from its contract (tag "moderation", `Staff <token>` auth). */
export function fromStaffContract<const C extends RouteContract>(contract: C) {
  const options = fromContract(contract, ['moderation'], false);
  return { ...options, schema: { ...options.schema, security: [{ staff: [] }] } };
}
