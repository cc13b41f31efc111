/**
 * Rule tables for grooming-risk nudges, one per language. A table is plain data so a deployment
 * (or a translator) can add a language without code: word classes, phrases per category, and the
 * child-facing message per category.
 *
 * Phrase syntax (matched against whitespace-separated words of the received text, each word and
 * each phrase word reduced by `skeleton` from ../terms, so case, accents, confusables and
 * leetspeak are folded the same way as the term lists):
 * - `a|b|c`   one word, any of the alternatives
 * - `{name}`  one word from the table's class `name`
 * - `~`       a gap of 0 to 2 words
 * - `?word`   an optional word (also `?{name}`, `?a|b`)
 * Phrases are deliberately specific (a request aimed at the reader: "send me", "don't tell your
 * mom") so that ordinary talk ("tell me about the science project", "where is the library") does
 * not fire.
 */
export type NudgeCategory =
  | 'secrecy'
  | 'move-platform'
  | 'photo-request'
  | 'age-request'
  | 'location-request'
  | 'gift-offer';

export const NUDGE_CATEGORIES: readonly NudgeCategory[] = [
  'secrecy',
  'move-platform',
  'photo-request',
  'age-request',
  'location-request',
  'gift-offer',
];

export interface NudgeRuleTable {
  /** BCP 47 language tag of the phrases and messages. */
  readonly language: string;
  readonly classes: Readonly<Record<string, readonly string[]>>;
  readonly rules: readonly { readonly category: NudgeCategory; readonly phrases: readonly string[] }[];
  /** Child-facing text per category. */
  readonly messages: Readonly<Record<NudgeCategory, string>>;
  /** Labels of the actions offered with every nudge. */
  readonly actionLabels: Readonly<Record<'talk' | 'block' | 'report', string>>;
}

export const NUDGE_RULES_EN: NudgeRuleTable = {
  language: 'en',
  classes: {
    you: ['you', 'u', 'ya', 'yu'],
    your: ['your', 'ur', 'yr', "you're"],
    dont: ["don't", 'dont', 'dnt', 'never'],
    person: [
      'mom',
      'mum',
      'mommy',
      'mother',
      'dad',
      'daddy',
      'father',
      'parent',
      'parents',
      'family',
      'anyone',
      'anybody',
      'nobody',
      'teacher',
      'teachers',
      'friends',
      'sister',
      'brother',
      'folks',
      'grandma',
      'grandpa',
      'others',
      'people',
    ],
    chat: ['chat', 'chats', 'messages', 'msgs', 'texts', 'convo', 'convos', 'conversation', 'talks', 'dms'],
    app: [
      'snap',
      'snapchat',
      'whatsapp',
      'telegram',
      'signal',
      'discord',
      'kik',
      'insta',
      'instagram',
      'ig',
      'skype',
      'wickr',
      'tiktok',
      'messenger',
      'facebook',
      'fb',
      'viber',
      'wechat',
      'threema',
    ],
    pic: [
      'pic',
      'pics',
      'picture',
      'pictures',
      'photo',
      'photos',
      'selfie',
      'selfies',
      'pix',
      'nudes',
      'snaps',
      'image',
      'images',
      'video',
      'videos',
      'vid',
      'vids',
    ],
    send: ['send', 'snd', 'show', 'give', 'take'],
    gift: [
      'gift',
      'gifts',
      'present',
      'presents',
      'money',
      'cash',
      'robux',
      'vbucks',
      'v-bucks',
      'skins',
      'skin',
      'card',
      'cards',
      'giftcard',
      'phone',
      'credit',
      'credits',
      'coins',
    ],
    buy: ['buy', 'get', 'send', 'give', 'pay'],
  },
  rules: [
    {
      category: 'secrecy',
      phrases: [
        '{dont} tell ~ {person}',
        '{dont} show ~ {person}',
        'do not tell ~ {person}',
        'keep ~ secret',
        'keep this|it|that between us',
        'our ?little secret',
        'delete|erase ~ {chat}',
        'nobody|noone needs to know',
        'no one needs to know',
        "{person} wouldnt|wouldn't|wont|won't|dont|don't|never understand",
        '{person} would|will not understand',
      ],
    },
    {
      category: 'move-platform',
      phrases: [
        'add me ?on|in {app}',
        'talk|chat|text|message|msg|dm|go|move|switch on|to|at|over {app}',
        "what's|whats {your} {app}",
        'what is {your} {app}',
        '{your} {app} username|name|handle|id|number',
        'do {you} have {app}',
        '{you} got {app}',
        'give|send|text me {your} number',
        "what's|whats {your} number",
        'what is {your} number',
      ],
    },
    {
      category: 'photo-request',
      phrases: [
        '{send} me ~ {pic}',
        'can|could|will|would {you} {send} ~ {pic}',
        '{send} ~ {pic} of {you}',
        '{send} ~ {pic} of {your}',
        'i want|wanna|need ~ {pic} of {you}',
        'turn on {your} camera|cam|webcam',
        'turn {your} camera|cam|webcam on',
        'show|send me {your} body|face|bedroom|outfit',
        'let me see {your} body|face|bedroom|outfit',
        'video call me',
      ],
    },
    {
      category: 'age-request',
      phrases: [
        'how old ?are|r {you}',
        "what's|whats {your} age",
        'what is {your} age',
        'asl',
        'what grade are|r {you} in',
        'are|r {you} over|under 18|16|13|eighteen|sixteen|thirteen',
      ],
    },
    {
      category: 'location-request',
      phrases: [
        'where do|d {you} live|stay',
        'where {you} live|stay',
        "what's|whats {your} address",
        'what is {your} address',
        'send|give|text ~ {your} address|location',
        'share ~ {your} location',
        'what|which school do|d {you} go|attend',
        'what|which school are|r {you} at|in',
        "what's|whats {your} school",
        'what is {your} school',
        'where do|d {you} go to school',
        'what|which town|city|street|area|neighborhood|neighbourhood do|d|are|r {you} live|in|from|at',
        'are|r {you} home alone',
        'are|r {your} parents|mom|mum|dad home',
      ],
    },
    {
      category: 'gift-offer',
      phrases: [
        "i|i'll|ill|we {buy} {you} ~ {gift}",
        'i|we will|can|could|wanna|want|would {buy} {you} ~ {gift}',
        'let me {buy} {you} ~ {gift}',
        'want|wanna ?some|a free {gift}',
      ],
    },
  ],
  messages: {
    secrecy:
      'This person is asking you to keep a secret from the people who look after you. Safe people do not ask you to hide things from your family.',
    'move-platform':
      'This person wants to move your chat to another app. People who want to harm young people often try to move somewhere less safe.',
    'photo-request':
      'This person is asking for photos or to see you. You never have to send pictures, and it is not your fault if someone asks.',
    'age-request':
      'This person is asking how old you are. You do not have to share personal details with people you do not know well.',
    'location-request':
      'This person is asking where you live, go to school or are. Keep where you are private from people you do not know well.',
    'gift-offer':
      'This person is offering you gifts or money. Gifts from people online can come with expectations you never agreed to.',
  },
  actionLabels: {
    talk: 'Talk to someone you trust',
    block: 'Block',
    report: 'Report',
  },
};

/** A small Spanish table: shows that languages are data; a native speaker should extend it. */
export const NUDGE_RULES_ES: NudgeRuleTable = {
  language: 'es',
  classes: {
    person: ['mama', 'mamá', 'papa', 'papá', 'padres', 'nadie', 'familia', 'profesor', 'profesora'],
    app: ['snap', 'snapchat', 'whatsapp', 'telegram', 'instagram', 'insta', 'discord', 'tiktok'],
    pic: ['foto', 'fotos', 'video', 'videos', 'selfie'],
    gift: ['regalo', 'regalos', 'dinero', 'tarjeta', 'robux', 'pavos'],
  },
  rules: [
    {
      category: 'secrecy',
      phrases: [
        'no le|les digas ~ {person}',
        'no se lo digas ~ {person}',
        'nuestro ?pequeño secreto',
        'borra ~ mensajes|chat',
      ],
    },
    {
      category: 'move-platform',
      phrases: ['agregame|agrégame|añademe|añádeme en|a', 'hablemos por|en {app}', 'tienes {app}'],
    },
    {
      category: 'photo-request',
      phrases: ['mandame|mándame|enviame|envíame ~ {pic}', 'pasame|pásame ~ {pic}'],
    },
    { category: 'age-request', phrases: ['cuantos|cuántos años tienes'] },
    {
      category: 'location-request',
      phrases: ['donde|dónde vives', 'a que|qué colegio|escuela vas', 'cual|cuál es tu direccion|dirección'],
    },
    {
      category: 'gift-offer',
      phrases: ['te compro ~ {gift}', 'te regalo ~ {gift}', 'te doy ~ {gift}', 'te mando ~ {gift}'],
    },
  ],
  messages: {
    secrecy:
      'Esta persona te pide guardar un secreto ante quienes te cuidan. Las personas de confianza no te piden esconder cosas a tu familia.',
    'move-platform':
      'Esta persona quiere pasar vuestra conversación a otra aplicación, a menudo menos segura.',
    'photo-request':
      'Esta persona te pide fotos o verte. Nunca tienes que enviar fotos, y no es tu culpa si alguien lo pide.',
    'age-request':
      'Esta persona te pregunta tu edad. No tienes que compartir datos personales con quien no conoces bien.',
    'location-request': 'Esta persona te pregunta dónde vives o estudias. Guarda esos datos para ti.',
    'gift-offer':
      'Esta persona te ofrece regalos o dinero. Los regalos de gente de internet pueden traer exigencias.',
  },
  actionLabels: { talk: 'Habla con alguien de confianza', block: 'Bloquear', report: 'Denunciar' },
};

export const DEFAULT_NUDGE_TABLES: readonly NudgeRuleTable[] = [NUDGE_RULES_EN, NUDGE_RULES_ES];
