import type { RouteModule } from '../../route.js';
import { accountProfile, groupProfile } from '../surfaces/profile.js';
import { block } from './blocks.js';
import { acceptContact, contactRequests, contacts, declineContact, requestContact } from './contacts.js';
import { safetyMe } from './me.js';
import { safetyNotices } from './notices.js';
import { acceptParentLink, children, decideApproval, linkChild } from './parents.js';
import { changeBirthDate, changeSetting } from './settings.js';

/**
 * Safety by design on the device plugin (docs/safety.md): the caller's safety state, contacts,
 * blocks, settings and declared age, parent links and approvals, friction notices, and the checked
 * unencrypted surfaces (routes/device/surfaces).
 */
export const safetyRoutes: readonly RouteModule[] = [
  safetyMe,
  requestContact,
  contactRequests,
  contacts,
  acceptContact,
  declineContact,
  block,
  changeSetting,
  changeBirthDate,
  linkChild,
  acceptParentLink,
  children,
  decideApproval,
  safetyNotices,
  accountProfile,
  groupProfile,
];
