// The he-fuzzy BFV parameter fingerprint as hex, for provisioning: the server publishes it in the
// device download and the device compares it with its own before spending a second on key
// generation and 2 MiB of upload on keys the server would refuse (HE_WRONG_PARAMETERS). Kept
// outside he/ on purpose: it reads the runtime he/params.ts already builds and adds nothing there.
import { heRuntime } from './he/params.js';

export async function heParameterFingerprint(): Promise<string> {
  const { fingerprint } = await heRuntime();
  return Array.from(fingerprint, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
