// The server's side of a detection round trip over HTTP (he-fuzzy: server challenge -> sender's
// device -> answer). HeFuzzyServer asks an AnswerChannel `(challenge) => Promise<answer>` for the
// answer; over HTTP that is two requests: POST /v1/detection/evaluate is answered with the
// challenge, and the device's POST /v1/detection/he/answer resolves the pending answer, after
// which the evaluation finishes (and a verdict opens a case).
//
// Which evaluate request a challenge belongs to is taken from the async context
// (AsyncLocalStorage): the channel runs inside the evaluation's own promise chain, whatever the
// evaluator does before it (synchronous SEAL today, worker threads tomorrow), so concurrent
// evaluations — also from one device and one key set — never swap challenges, and the desk needs
// nothing from the challenge bytes (no parsing of the mode's wire format).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { ServerError } from '../errors.js';

export interface IssuedChallenge {
  /** Names the challenge in the answer (random, not the mode's own query id). */
  readonly id: string;
  readonly bytes: Uint8Array;
}

export interface ChallengeDeskOptions {
  /** How long an evaluation waits for the device's answer before it ends with no verdict. */
  readonly timeoutMs: number;
  /** Finished challenge ids remembered to tell "expired" and "answered" from "unknown". */
  readonly remember?: number;
  /** Errors of evaluations nobody is waiting on any more (an unanswered challenge's timeout). */
  readonly onAbandoned?: (error: unknown) => void;
}

interface Evaluation {
  readonly deviceId: string;
  readonly deliver: (challenge: IssuedChallenge) => void;
  /** The whole evaluation, verdict handling included; set as soon as it starts. */
  done?: Promise<void>;
  issued: boolean;
  answered: boolean;
}

interface Waiting {
  readonly evaluation: Evaluation;
  readonly resolve: (answer: Uint8Array) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class ChallengeDesk {
  private readonly context = new AsyncLocalStorage<Evaluation>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly finished = new Map<string, { deviceId: string; state: 'expired' | 'answered' }>();

  constructor(private readonly options: ChallengeDeskOptions) {
    if (!Number.isSafeInteger(options.timeoutMs) || options.timeoutMs < 1) {
      throw new ServerError('VALIDATION_FAILED', 'the answer timeout must be a positive integer (ms)');
    }
  }

  /** Challenges waiting for an answer. */
  get pending(): number {
    return this.waiting.size;
  }

  /** The AnswerChannel to give the evaluator: hands the challenge out, waits for the answer. */
  readonly channel = (challenge: Uint8Array): Promise<Uint8Array> => {
    const evaluation = this.context.getStore();
    if (evaluation === undefined) {
      return Promise.reject(new Error('a challenge was issued outside an evaluate request'));
    }
    if (evaluation.issued) return Promise.reject(new Error('an evaluation issued a second challenge'));
    evaluation.issued = true;
    const id = randomBytes(16).toString('base64url');
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        this.finish(id, evaluation.deviceId, 'expired');
        reject(
          new ServerError(
            'DETECTION_CHALLENGE_EXPIRED',
            `challenge ${id} was not answered within ${this.options.timeoutMs} ms`,
          ),
        );
      }, this.options.timeoutMs);
      timer.unref();
      this.waiting.set(id, { evaluation, resolve, reject, timer });
      evaluation.deliver({ id, bytes: challenge });
    });
  };

  /**
   * Runs one evaluation for `deviceId` and resolves with the challenge it issued; rejects with
   * the evaluation's error when it fails before issuing one (a refused payload).
   */
  start(deviceId: string, evaluate: () => Promise<void>): Promise<IssuedChallenge> {
    return new Promise<IssuedChallenge>((resolve, reject) => {
      const evaluation: Evaluation = { deviceId, deliver: resolve, issued: false, answered: false };
      const done = this.context.run(evaluation, async () => evaluate());
      evaluation.done = done;
      done.then(
        () => {
          if (!evaluation.issued) reject(new Error('the evaluation ended without a challenge'));
        },
        (error: unknown) => {
          if (!evaluation.issued) reject(error);
          else if (!evaluation.answered) this.options.onAbandoned?.(error);
        },
      );
    });
  }

  /**
   * Hands the device's answer to the evaluation waiting for it and resolves once that evaluation
   * has finished (rejecting with its error, e.g. a malformed answer). Only the device that got
   * the challenge can answer it; for any other device the id is unknown.
   */
  async answer(deviceId: string, id: string, answer: Uint8Array): Promise<void> {
    const waiting = this.waiting.get(id);
    if (waiting === undefined || waiting.evaluation.deviceId !== deviceId) {
      const finished = this.finished.get(id);
      if (finished?.deviceId === deviceId && finished.state === 'expired') {
        throw new ServerError(
          'DETECTION_CHALLENGE_EXPIRED',
          `challenge ${id} expired (no answer within ${this.options.timeoutMs} ms); its evaluation has ended`,
        );
      }
      if (finished?.deviceId === deviceId) {
        throw new ServerError('DETECTION_CHALLENGE_ANSWERED', `challenge ${id} was already answered`);
      }
      throw new ServerError('DETECTION_CHALLENGE_UNKNOWN', `no pending challenge ${id} for this device`);
    }
    this.waiting.delete(id);
    clearTimeout(waiting.timer);
    this.finish(id, deviceId, 'answered');
    waiting.evaluation.answered = true;
    waiting.resolve(answer);
    await waiting.evaluation.done;
  }

  /** Ends every waiting evaluation (server shutdown). */
  close(): void {
    for (const [id, waiting] of this.waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(new ServerError('SHUTTING_DOWN', `challenge ${id} abandoned: the server is stopping`));
    }
    this.waiting.clear();
  }

  private finish(id: string, deviceId: string, state: 'expired' | 'answered'): void {
    this.finished.set(id, { deviceId, state });
    const limit = this.options.remember ?? 10_000;
    // Maps iterate in insertion order: drop the oldest ids first.
    for (const old of this.finished.keys()) {
      if (this.finished.size <= limit) break;
      this.finished.delete(old);
    }
  }
}
