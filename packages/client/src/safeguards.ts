// On-device safeguards for minors (issue 3 part 4): grooming-risk nudges on received text and blur
// decisions for received images. Everything here stays on the device: it reads the account's own
// band, settings and contacts from the server (GET /v1/safety/me, /v1/safety/contacts) and never
// sends anything about what it found.
import {
  type AskDecision,
  type BlurDecision,
  blurOnReceipt,
  DEFAULT_BLUR_THRESHOLD,
  decideAskBeforeSend,
  decideBlur,
  type ImageClassifier,
  type Nudge,
  NudgeDetector,
  type SendChoice,
  type SendPrompt,
  sendPrompt,
} from '@safelight/safety';
import { ClientError, SendCancelledError } from './errors.js';

export interface SafeguardOptions {
  /**
   * `'auto'` (default): on when the server says the account is a minor (13-17). `true`: on
   * whatever the band. `false`: off.
   */
  readonly enabled?: boolean | 'auto';
  /**
   * Classifies received images when they are opened (`openAttachment`). Without one, or when it
   * fails (missing or corrupt model), images from non-contacts are blurred, contacts' are shown.
   * `@safelight/safety/classifier/node` or `/browser` give the bundled nsfwjs model.
   */
  readonly classifier?: ImageClassifier;
  /** Nudity score at or above which an image is blurred (default 0.5). */
  readonly blurThreshold?: number;
  /** Custom nudge rules (default: the package's tables). */
  readonly nudges?: NudgeDetector;
  /**
   * Ask before send: the app's question to a minor about to send an image the classifier scored
   * at or above `blurThreshold` (or any image, when the classifier is missing or fails). The UI
   * shows the prompt and resolves with the child's choice; only `send` sends. Without this hook
   * such a send is refused (SEND_CONFIRMATION_REQUIRED): the SDK cannot ask by itself, and
   * sending unasked would defeat the safeguard.
   */
  readonly confirmSend?: (prompt: SendPrompt) => Promise<SendChoice>;
}

/** What the device knows about its own account to apply the safeguards. */
export interface SafeguardState {
  /** Safeguards are on for this account. */
  readonly active: boolean;
  readonly band: string | undefined;
  readonly mediaFrom: 'contacts' | 'everyone';
  readonly contacts: ReadonlySet<string>;
}

export const SAFEGUARDS_OFF: SafeguardState = {
  active: false,
  band: undefined,
  mediaFrom: 'everyone',
  contacts: new Set(),
};

export function isMinorBand(band: string | undefined): boolean {
  return band === 'teen13to15' || band === 'teen16to17';
}

export class Safeguards {
  state: SafeguardState = SAFEGUARDS_OFF;
  private readonly detector: NudgeDetector;

  constructor(readonly options: SafeguardOptions) {
    this.detector = options.nudges ?? new NudgeDetector();
  }

  get wanted(): boolean {
    return this.options.enabled !== false;
  }

  nudgesFor(text: string): Nudge[] | undefined {
    if (!this.state.active) return undefined;
    const found = this.detector.detect(text);
    return found.length > 0 ? found : undefined;
  }

  blurOnReceipt(senderAccountId: string, mediaType: string): boolean | undefined {
    if (!this.state.active || !isImage(mediaType)) return undefined;
    return blurOnReceipt({
      protectedMinor: true,
      fromContact: this.state.contacts.has(senderAccountId),
      mediaFrom: this.state.mediaFrom,
    }).blur;
  }

  async decide(senderAccountId: string, mediaType: string, bytes: Uint8Array): Promise<BlurDecision> {
    if (!this.state.active || !isImage(mediaType)) return { blur: false, reason: 'none' };
    return decideBlur(
      {
        protectedMinor: true,
        fromContact: this.state.contacts.has(senderAccountId),
        mediaFrom: this.state.mediaFrom,
      },
      this.options.classifier,
      bytes,
      this.options.blurThreshold ?? DEFAULT_BLUR_THRESHOLD,
    );
  }

  /**
   * Whether to ask before this device sends an image (pure: no request, nothing stored). The web
   * UI can call it to prepare its prompt; sendMessage calls it for every attachment.
   */
  async checkOutgoing(bytes: Uint8Array, mediaType: string): Promise<AskDecision> {
    return decideAskBeforeSend(
      { protectedMinor: this.state.active, mediaType },
      this.options.classifier,
      bytes,
      this.options.blurThreshold ?? DEFAULT_BLUR_THRESHOLD,
    );
  }

  /**
   * Asks before sending, image by image, through the app's `confirmSend`. Resolves when every
   * image may go; throws SendCancelledError (cancel / get-help) or SEND_CONFIRMATION_REQUIRED
   * otherwise. Runs before anything is hashed, encrypted or uploaded, and sends nothing itself.
   */
  async confirmOutgoing(attachments: ReadonlyArray<{ bytes: Uint8Array; mediaType: string }>): Promise<void> {
    for (const [index, attachment] of attachments.entries()) {
      const decision = await this.checkOutgoing(attachment.bytes, attachment.mediaType);
      if (!decision.ask) continue;
      const confirm = this.options.confirmSend;
      if (!confirm) {
        throw new ClientError(
          'SEND_CONFIRMATION_REQUIRED',
          `attachment ${index} needs the sender's confirmation and no safeguards.confirmSend hook is set`,
        );
      }
      const choice: unknown = await confirm(sendPrompt(decision, attachment.mediaType, index));
      if (choice === 'send') continue;
      if (choice === 'cancel' || choice === 'get-help') throw new SendCancelledError(choice, index);
      throw new ClientError(
        'CLIENT_INVALID_INPUT',
        `safeguards.confirmSend answered ${JSON.stringify(choice)}; expected 'send', 'cancel' or 'get-help'`,
      );
    }
  }
}

function isImage(mediaType: string): boolean {
  return mediaType.toLowerCase().startsWith('image/');
}
