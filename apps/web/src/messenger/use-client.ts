// React glue for the SDK: re-render on client events, poll what has no push (contacts, requests,
// notices), and remember account handles.
import type { Notice, SafelightClient, SafetyNotice } from '@safelight/client';
import { useCallback, useEffect, useRef, useState } from 'react';

/** A number that changes whenever the client reports an event (messages, joins, membership). */
export function useClientVersion(client: SafelightClient): number {
  const [version, setVersion] = useState(0);
  useEffect(() => client.on(() => setVersion((v) => v + 1)), [client]);
  return version;
}

/** Resolves account ids to handles once each, re-rendering as they arrive. */
export function useHandles(client: SafelightClient): (accountId: string) => string {
  const cache = useRef(new Map<string, string>());
  const asked = useRef(new Set<string>());
  const [, setVersion] = useState(0);
  return useCallback(
    (accountId: string) => {
      if (accountId === client.accountId) return client.handle;
      const known = cache.current.get(accountId);
      if (known) return known;
      if (!asked.current.has(accountId)) {
        asked.current.add(accountId);
        client
          .handleOf(accountId)
          .then((handle) => {
            cache.current.set(accountId, handle);
            setVersion((v) => v + 1);
          })
          .catch(() => asked.current.delete(accountId));
      }
      return '…';
    },
    [client],
  );
}

export interface Social {
  readonly contacts: string[];
  readonly requests: Array<{ accountId: string; createdAt: number }>;
  readonly notices: Notice[];
  /** Friction notices: an account this minor is in touch with was flagged by the risk engine. */
  readonly safetyNotices: SafetyNotice[];
  refresh(): Promise<void>;
}

/** Contacts, incoming requests and moderation notices, refreshed every few seconds. */
export function useSocial(client: SafelightClient, everyMs = 2000): Social {
  const [contacts, setContacts] = useState<string[]>([]);
  const [requests, setRequests] = useState<Array<{ accountId: string; createdAt: number }>>([]);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [safetyNotices, setSafetyNotices] = useState<SafetyNotice[]>([]);
  const refresh = useCallback(async () => {
    const [c, r, n, f] = await Promise.all([
      client.contacts(),
      client.contactRequests(),
      client.notices().catch(() => []),
      client.safetyNotices().catch(() => []),
    ]);
    setContacts((old) => {
      // The safeguards treat contacts differently: keep their view in step.
      if (old.join() !== c.join()) void client.refreshSafeguards();
      return c;
    });
    setRequests(r);
    setNotices(n);
    setSafetyNotices(f);
  }, [client]);
  useEffect(() => {
    let stopped = false;
    const tick = () => {
      if (!stopped) refresh().catch(() => {});
    };
    tick();
    const timer = setInterval(tick, everyMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [refresh, everyMs]);
  return { contacts, requests, notices, safetyNotices, refresh };
}
