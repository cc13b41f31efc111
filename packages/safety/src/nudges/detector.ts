import { SafetyError } from '../errors.js';
import { skeleton } from '../terms/normalise.js';
import { DEFAULT_NUDGE_TABLES, type NudgeCategory, type NudgeRuleTable } from './rules.js';

/** What the child can do from a nudge. Nothing is sent anywhere unless the child picks `report`. */
export interface NudgeAction {
  readonly kind: 'talk-to-someone-you-trust' | 'block' | 'report';
  readonly label: string;
}

/** One nudge, shown to the child only. */
export interface Nudge {
  readonly category: NudgeCategory;
  /** Language of the table whose phrase matched (and of `message`). */
  readonly language: string;
  /** The child-facing explanation. */
  readonly message: string;
  readonly actions: readonly NudgeAction[];
  /** The rule phrase that matched (for the app's own debugging; stays on the device). */
  readonly phrase: string;
}

type Slot =
  | { readonly kind: 'word'; readonly words: ReadonlySet<string>; readonly optional: boolean }
  | { readonly kind: 'gap' };

interface CompiledRule {
  readonly table: NudgeRuleTable;
  readonly category: NudgeCategory;
  readonly phrase: string;
  readonly slots: readonly Slot[];
}

/** Longest gap `~` stands for, in words. */
const GAP_WORDS = 2;
/** Texts longer than this are matched on their first MAX_TEXT characters only. */
const MAX_TEXT = 20_000;
/** Word separators: whitespace and sentence punctuation (inner apostrophes, @ and digits stay). */
const SEPARATORS = /[\s,.;:?¿¡"“”()[\]…]+/u;

function wordKey(word: string): string {
  return skeleton(word).letters;
}

function invalid(field: string, message: string): SafetyError {
  return new SafetyError('NUDGE_RULES_INVALID', field, message);
}

function compile(tables: readonly NudgeRuleTable[]): CompiledRule[] {
  const compiled: CompiledRule[] = [];
  tables.forEach((table, t) => {
    for (const category of new Set(table.rules.map((r) => r.category))) {
      if (typeof table.messages?.[category] !== 'string')
        throw invalid(`tables[${t}].messages.${category}`, `no message for category ${category}`);
    }
    table.rules.forEach((rule, r) => {
      rule.phrases.forEach((phrase, p) => {
        const field = `tables[${t}].rules[${r}].phrases[${p}]`;
        const slots: Slot[] = [];
        for (const part of phrase.trim().split(/\s+/u)) {
          if (part === '~') {
            slots.push({ kind: 'gap' });
            continue;
          }
          const optional = part.startsWith('?');
          const body = optional ? part.slice(1) : part;
          const words = new Set<string>();
          for (const alternative of body.split('|')) {
            const cls = /^\{(.+)\}$/u.exec(alternative);
            const members = cls ? table.classes[cls[1] as string] : [alternative];
            if (!members) throw invalid(field, `unknown class ${alternative} in "${phrase}"`);
            for (const member of members) {
              const key = wordKey(member);
              if (key.length === 0) throw invalid(field, `"${member}" has no letters after normalisation`);
              words.add(key);
            }
          }
          slots.push({ kind: 'word', words, optional });
        }
        if (!slots.some((s) => s.kind === 'word' && !s.optional))
          throw invalid(field, `"${phrase}" needs at least one required word`);
        compiled.push({ table, category: rule.category, phrase, slots });
      });
    });
  });
  return compiled;
}

/** Does `slots[s..]` match `words[w..]`? Backtracking over optional words and gaps. */
function matchFrom(slots: readonly Slot[], s: number, words: readonly string[], w: number): boolean {
  if (s === slots.length) return true;
  const slot = slots[s] as Slot;
  if (slot.kind === 'gap') {
    for (let skip = 0; skip <= GAP_WORDS && w + skip <= words.length; skip++) {
      if (matchFrom(slots, s + 1, words, w + skip)) return true;
    }
    return false;
  }
  if (w < words.length && slot.words.has(words[w] as string) && matchFrom(slots, s + 1, words, w + 1))
    return true;
  return slot.optional && matchFrom(slots, s + 1, words, w);
}

/**
 * Grooming-risk nudges for text a child receives: requests for secrecy, to move to another app,
 * for photos, for age or location, and offers of gifts or money. Pure rules, no I/O: the result is
 * for the child's own screen and is never sent anywhere.
 */
export class NudgeDetector {
  private readonly rules: readonly CompiledRule[];

  constructor(tables: readonly NudgeRuleTable[] = DEFAULT_NUDGE_TABLES) {
    if (!Array.isArray(tables) || tables.length === 0)
      throw invalid('tables', 'at least one rule table is needed');
    this.rules = compile(tables);
  }

  /** At most one nudge per category (the first matching table and phrase), in table order. */
  detect(text: string): Nudge[] {
    if (typeof text !== 'string' || text.length === 0) return [];
    const words = text
      .slice(0, MAX_TEXT)
      .split(SEPARATORS)
      .map(wordKey)
      .filter((w) => w.length > 0);
    const found = new Map<NudgeCategory, Nudge>();
    for (const rule of this.rules) {
      if (found.has(rule.category)) continue;
      for (let start = 0; start < words.length; start++) {
        if (matchFrom(rule.slots, 0, words, start)) {
          found.set(rule.category, nudgeFor(rule));
          break;
        }
      }
    }
    return [...found.values()];
  }
}

function nudgeFor(rule: CompiledRule): Nudge {
  const { table } = rule;
  return {
    category: rule.category,
    language: table.language,
    message: table.messages[rule.category],
    actions: [
      { kind: 'talk-to-someone-you-trust', label: table.actionLabels.talk },
      { kind: 'block', label: table.actionLabels.block },
      { kind: 'report', label: table.actionLabels.report },
    ],
    phrase: rule.phrase,
  };
}

let defaultDetector: NudgeDetector | undefined;

/** `new NudgeDetector().detect(text)` with the default tables, compiled once. */
export function detectNudges(text: string): Nudge[] {
  defaultDetector ??= new NudgeDetector();
  return defaultDetector.detect(text);
}
