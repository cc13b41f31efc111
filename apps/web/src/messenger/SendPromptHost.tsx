import type { SendChoice, SendPrompt } from '@safelight/safety';
import { useEffect, useState } from 'react';
import { Dialog } from '../ui/Dialog.tsx';
import { GetHelp } from './GetHelp.tsx';
import { registerSendPrompt } from './send-prompt.ts';

/** Shows the SDK's ask-before-send question and resolves it with the child's choice. */
export function SendPromptHost() {
  const [asking, setAsking] = useState<{ prompt: SendPrompt; answer: (choice: SendChoice) => void }>();
  const [help, setHelp] = useState(false);
  useEffect(
    () =>
      registerSendPrompt(
        (prompt) =>
          new Promise<SendChoice>((resolve) => {
            setAsking({ prompt, answer: resolve });
          }),
      ),
    [],
  );
  const choose = (choice: SendChoice) => {
    asking?.answer(choice);
    setAsking(undefined);
    if (choice === 'get-help') setHelp(true);
  };
  return (
    <>
      {asking && (
        <Dialog title="Before you send this photo" onClose={() => choose('cancel')}>
          <p>{asking.prompt.message}</p>
          <div className="row">
            {asking.prompt.choices.map(({ choice, label }) => (
              <button
                key={choice}
                type="button"
                className={choice === 'send' ? 'secondary' : undefined}
                onClick={() => choose(choice)}
              >
                {label}
              </button>
            ))}
          </div>
        </Dialog>
      )}
      {help && <GetHelp onClose={() => setHelp(false)} />}
    </>
  );
}
