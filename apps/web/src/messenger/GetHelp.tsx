import { Dialog } from '../ui/Dialog.tsx';

/** "Talk to someone you trust": offline text only, no links out (the page talks to no other host). */
export function GetHelp(props: { onClose: () => void }) {
  return (
    <Dialog title="Talk to someone you trust" onClose={props.onClose}>
      <p>You did nothing wrong by seeing this. You can:</p>
      <ul>
        <li>Tell a parent, carer, teacher or another adult you trust.</li>
        <li>
          Block the person and report the message: the report goes to Safelight's safety team, not to them.
        </li>
        <li>Call a helpline, for free: Childline (UK) 0800 1111, Kids Help Phone (Canada) 1-800-668-6868.</li>
        <li>If you are in danger right now, call your local emergency number.</li>
      </ul>
      <p className="hint">Nothing about this is sent anywhere unless you choose to report.</p>
      <button type="button" onClick={props.onClose}>
        Close
      </button>
    </Dialog>
  );
}
