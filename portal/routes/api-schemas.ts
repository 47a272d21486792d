/**
 * JSON Schemas of the API: Fastify validates requests and serialises answers with them, and
 * @fastify/swagger turns them into /api/v1/openapi.json. Amounts are decimal strings, never numbers.
 */
const amount = { type: 'string', pattern: '^-?[0-9]+\\.[0-9]{2}$', examples: ['25.00'] } as const;
const purse = { type: 'string', enum: ['ecash', 'food'] } as const;

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: ['string', 'null'] } },
    },
  },
} as const;

export const userSchema = {
  type: 'object',
  required: ['email', 'role'],
  properties: {
    email: { type: 'string' },
    role: { type: 'string', enum: ['customer', 'merchant', 'operator'] },
    customerId: { type: 'string' },
    merchantId: { type: 'string' },
  },
} as const;

export const sessionSchema = {
  type: 'object',
  required: ['user', 'csrfToken'],
  properties: { user: { anyOf: [userSchema, { type: 'null' }] }, csrfToken: { type: 'string' } },
} as const;

export const signInBody = {
  type: 'object',
  required: ['email', 'password'],
  additionalProperties: false,
  properties: { email: { type: 'string', maxLength: 254 }, password: { type: 'string', maxLength: 1024 }, _csrf: { type: 'string' } },
} as const;

export const downloadSchema = {
  type: 'object',
  required: ['downloadId', 'csn', 'purse', 'amount', 'mode', 'step', 'version', 'stateText', 'finished', 'timeline'],
  properties: {
    downloadId: { type: 'string' },
    csn: { type: 'string' },
    csnDisplay: { type: 'string' },
    purse,
    purseLabel: { type: 'string' },
    amount,
    mode: { type: 'string', enum: ['connected', 'offline'] },
    step: { type: 'string' },
    version: { type: 'integer' },
    stateText: { type: 'string' },
    outcome: { type: ['string', 'null'] },
    authorizationCode: { type: ['string', 'null'], description: 'Grouped 3-3-3; type it into the eCom Pocket.' },
    wrongCodes: { type: 'integer' },
    finished: { type: 'boolean' },
    timeline: { type: 'array', items: { type: 'object', properties: { label: { type: 'string' }, done: { type: 'boolean' } } } },
    startedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const startDownloadBody = {
  type: 'object',
  required: ['csn', 'purse', 'amount', 'mode'],
  additionalProperties: false,
  properties: {
    csn: { type: 'string', pattern: '^[0-9]{16}$' },
    purse,
    amount: { type: 'string', maxLength: 32, description: 'Decimal with a dot, e.g. "25.00"; positive, at most 2 decimals.' },
    mode: { type: 'string', enum: ['connected', 'offline'] },
    readerId: { type: 'string', maxLength: 128 },
    requestId: { type: 'string', format: 'uuid', description: 'Chosen by the client; resending the same id starts no second download.' },
    _csrf: { type: 'string' },
  },
} as const;

export const codeBody = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: {
    code: { type: 'string', maxLength: 40, description: 'Digits as the Pocket shows them; spaces allowed.' },
    updateId: { type: 'string', maxLength: 80 },
    _csrf: { type: 'string' },
  },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

export const overviewSchema = {
  type: 'object',
  properties: {
    balances: {
      type: 'array',
      items: { type: 'object', properties: { purse, currency: { type: 'string' }, available: amount, reserved: amount } },
    },
    cards: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          csn: { type: 'string' },
          blocked: { type: 'boolean' },
          maxBalance: amount,
          purses: { type: 'array', items: { type: 'object', properties: { purse, lastKnown: { anyOf: [amount, { type: 'null' }] } } } },
        },
      },
    },
    readers: { type: 'array', items: { type: 'object', properties: { readerId: { type: 'string' }, label: { type: 'string' } } } },
  },
} as const;

export const settlementSchema = {
  type: 'object',
  properties: {
    settlementId: { type: 'string' },
    fileName: { type: 'string' },
    state: { type: 'string', enum: ['running', 'settled', 'rejected'] },
    recordCount: { type: 'integer' },
    acceptedCount: { type: 'integer' },
    refusedCount: { type: 'integer' },
    reason: { type: ['string', 'null'] },
    startedAt: { type: 'string', format: 'date-time' },
    totals: { type: 'array', items: { type: 'object', properties: { purse, accepted: amount } } },
  },
} as const;

export const recordsSchema = {
  type: 'object',
  properties: {
    offset: { type: 'integer' },
    limit: { type: 'integer' },
    hasMore: { type: 'boolean' },
    records: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          index: { type: 'integer' },
          csn: { type: 'string' },
          purse,
          amount,
          verdict: { type: 'string', enum: ['accepted', 'refused'] },
          reason: { type: ['string', 'null'] },
        },
      },
    },
  },
} as const;

export const recordsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    verdict: { type: 'string', enum: ['', 'accepted', 'refused'] },
    offset: { type: 'string', pattern: '^[0-9]{1,9}$' },
    limit: { type: 'string', pattern: '^[0-9]{1,3}$' },
  },
} as const;

const attentionItemSchema = {
  type: 'object',
  properties: {
    workflowId: { type: 'string' },
    kind: { type: 'string', enum: ['download_stuck', 'settlement_stuck', 'code_entry_locked', 'card_flagged'] },
    summary: { type: 'string' },
    since: { type: 'string', format: 'date-time' },
    evidence: { type: 'array', items: { type: 'string' } },
    actions: { type: 'array', items: { type: 'string', enum: ['retry', 'resolve', 'void', 'unlock'] } },
    temporalLink: { type: 'string' },
    /** A download's card log as its workflow read it (one item opened on its own); null otherwise. */
    cardLog: {
      type: ['object', 'null'],
      description: "A stuck connected download: the card's log as the workflow read it when it could not prove the load (newest first). null when the workflow holds none, and always in the list.",
      properties: {
        readerId: { type: 'string' },
        readAt: { type: 'string', format: 'date-time' },
        atcCard: { type: 'integer', description: "the newest record's ATC on the card" },
        reason: { type: 'string', enum: ['rolled_out_of_log', 'record_mismatch'] },
        reasonText: { type: 'string' },
        records: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              hex: { type: 'string', description: 'the 28-byte record as hex, to hand back as evidence' },
              decoded: {
                type: ['object', 'null'],
                description: 'null when the bytes are not a log record',
                properties: {
                  atc: { type: 'integer' },
                  kind: { type: 'string', enum: ['load', 'purchase'] },
                  purse,
                  amount,
                  balanceAfter: amount,
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const attentionSchema = {
  type: 'object',
  properties: {
    temporalUiUrl: { type: 'string' },
    items: { type: 'array', items: attentionItemSchema },
  },
} as const;

export const attentionCaseSchema = {
  type: 'object',
  properties: {
    workflowId: { type: 'string' },
    temporalLink: { type: 'string' },
    /** null once it no longer needs attention. */
    item: { ...attentionItemSchema, nullable: true },
    audit: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          at: { type: 'string', format: 'date-time' },
          operator: { type: 'string' },
          action: { type: 'string' },
          evidence: { type: 'string' },
          outcome: { type: 'string' },
        },
      },
    },
  },
} as const;

export const operatorActionBody = {
  type: 'object',
  required: ['action'],
  additionalProperties: false,
  properties: {
    action: { type: 'string', enum: ['retry', 'resolve', 'void', 'unlock'] },
    evidence: { type: 'string', maxLength: 2000 },
    updateId: { type: 'string', maxLength: 80 },
    _csrf: { type: 'string' },
  },
} as const;
