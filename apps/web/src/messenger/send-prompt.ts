// Ask before send: the SDK calls `askToSend` (its safeguards.confirmSend hook) when a minor is
// about to send an image it wants the child to think about; the page's <SendPromptHost> shows the
// question and answers with the child's choice. Only "send" sends; nothing about the question or
// the answer leaves the device.
import type { SendChoice, SendPrompt } from '@safelight/safety';

type Asker = (prompt: SendPrompt) => Promise<SendChoice>;
let asker: Asker | undefined;

/** The page registers the component that asks; returns the unregister function. */
export function registerSendPrompt(ask: Asker): () => void {
  asker = ask;
  return () => {
    if (asker === ask) asker = undefined;
  };
}

/** The SDK's hook. With no page to ask (it is not mounted), the safe answer is not to send. */
export function askToSend(prompt: SendPrompt): Promise<SendChoice> {
  return asker ? asker(prompt) : Promise.resolve('cancel');
}
