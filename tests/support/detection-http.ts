// A device's POSTs to the detection routes, as the integration tests make them (JSON or bytes).

/** What the detection routes answer: success fields, or RFC 9457 members of an error answer. */
export interface DetectionAnswer {
  accepted?: true;
  keyId?: string;
  challenge?: { id: string; bytes: string };
  code?: string;
  detail?: string;
  reason?: string;
}

/** POST as a device (its bearer token), JSON or bytes; answers status and parsed body. */
export async function postAsDevice(url: string, token: string, body: unknown) {
  const bytes = body instanceof Uint8Array;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': bytes ? 'application/octet-stream' : 'application/json',
    },
    body: bytes ? new Blob([body]) : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as DetectionAnswer };
}
