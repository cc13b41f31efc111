/**
 * "Ask before send" (docs/safety.md, "Ask before sending an image"): before a minor's device
 * sends an image, the classifier looks at it; at or above the threshold the app asks the child
 * whether to send it, with a "talk to someone you trust" path. Pure policy: the decision and the
 * score stay on the device, nothing here does I/O.
 */
import { SafetyError } from '../errors.js';
import { type ClassifierInput, DEFAULT_BLUR_THRESHOLD, type ImageClassifier, nudityScore } from './index.js';

/** Why the device asks (or does not ask) before sending an image. */
export type AskReason =
  /** Not asked: not a protected minor, not an image, or the classifier scored it below the threshold. */
  | 'none'
  /** Asked: the classifier scored the image at or above the threshold. */
  | 'nudity'
  /**
   * Asked: no classifier, or it failed (missing or corrupt model, unreadable image). The safer
   * default for a child is one extra question per image, not an unchecked send.
   */
  | 'classifier-unavailable';

export interface AskDecision {
  readonly ask: boolean;
  readonly reason: AskReason;
  /** The classifier's score when it ran (kept on the device, never sent). */
  readonly nudity?: number;
}

/** What the sender chose when asked. Only `send` sends; the other two send nothing. */
export type SendChoice = 'send' | 'cancel' | 'get-help';

/** The question an app shows a minor before an image goes out (text is the app's to localise). */
export interface SendPrompt {
  readonly reason: Exclude<AskReason, 'none'>;
  readonly mediaType: string;
  /** Position of the image among the message's attachments. */
  readonly attachmentIndex: number;
  readonly message: string;
  readonly choices: ReadonlyArray<{ readonly choice: SendChoice; readonly label: string }>;
}

export const SEND_PROMPT_EN = {
  nudity:
    'This photo may show nudity. Once it is sent you cannot take it back, and it can be shared without you knowing. Do you want to send it?',
  'classifier-unavailable':
    'Before you send a photo, think about whether you would be happy for anyone to see it. Do you want to send it?',
  labels: { send: 'Send anyway', cancel: "Don't send", 'get-help': 'Talk to someone you trust' },
} as const;

export function sendPrompt(
  decision: AskDecision,
  mediaType: string,
  attachmentIndex: number,
  text = SEND_PROMPT_EN,
): SendPrompt {
  if (!decision.ask || decision.reason === 'none')
    throw new SafetyError('SEND_PROMPT_INVALID', 'decision', 'no prompt for a decision that does not ask');
  return {
    reason: decision.reason,
    mediaType,
    attachmentIndex,
    message: text[decision.reason],
    choices: (['cancel', 'get-help', 'send'] as const).map((choice) => ({
      choice,
      label: text.labels[choice],
    })),
  };
}

export function isImageMediaType(mediaType: string): boolean {
  return mediaType.toLowerCase().startsWith('image/');
}

/**
 * Decides whether to ask before a protected minor sends `image`. Not a minor, or not an image:
 * never asks. Otherwise the classifier decides; without one, or when it fails, always asks.
 */
export async function decideAskBeforeSend(
  context: { readonly protectedMinor: boolean; readonly mediaType: string },
  classifier: ImageClassifier | undefined,
  image: ClassifierInput,
  threshold: number = DEFAULT_BLUR_THRESHOLD,
): Promise<AskDecision> {
  if (!(threshold > 0 && threshold <= 1))
    throw new SafetyError('THRESHOLDS_INVALID', 'threshold', `threshold ${threshold} is not in (0, 1]`);
  if (!context.protectedMinor || !isImageMediaType(context.mediaType)) return { ask: false, reason: 'none' };
  const nudity = await nudityScore(classifier, image);
  if (nudity === undefined) return { ask: true, reason: 'classifier-unavailable' };
  return nudity >= threshold
    ? { ask: true, reason: 'nudity', nudity }
    : { ask: false, reason: 'none', nudity };
}
