// On-device safeguards for minors (issue 3 part 4): grooming-risk nudges on received text and blur
// decisions for received images. Everything here stays on the device: it reads the account's own
// band, settings and contacts from the server (GET /v1/safety/me, /v1/safety/contacts) and never
// sends anything about what it found.
import {
  type BlurDecision,
  blurOnReceipt,
  DEFAULT_BLUR_THRESHOLD,
  decideBlur,
  type ImageClassifier,
  type Nudge,
  NudgeDetector,
} from '@safelight/safety';

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
}

function isImage(mediaType: string): boolean {
  return mediaType.toLowerCase().startsWith('image/');
}
