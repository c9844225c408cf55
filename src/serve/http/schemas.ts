/**
 * @module serve/http/schemas
 * The zod schemas of the native API (/v1): they validate every request and generate the OpenAPI
 * document, so the two cannot disagree. Query parameters arrive as strings and are coerced here.
 */
import { z } from '@hono/zod-openapi';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_input' }),
      message: z.string(),
      field: z.string().optional().openapi({ example: '[3].id' }),
    }),
  })
  .openapi('Error');

/** Longest id (item, user), feedback type or category accepted. */
export const MAX_ID_LENGTH = 256;
const TOO_LONG = `expected at most ${MAX_ID_LENGTH} characters`;
/** An id, feedback type or category: 1 to {@link MAX_ID_LENGTH} characters. */
export const Id = z.string().min(1).max(MAX_ID_LENGTH, TOO_LONG);
/** A list of categories or labels, each bounded like an id. */
const Names = z.array(z.string().max(MAX_ID_LENGTH, TOO_LONG));

const Attribute = z.union([z.string(), z.number(), z.boolean()]);
const Timestamp = z
  .union([z.string(), z.number()])
  .openapi({ description: 'ISO-8601 string or unix seconds', example: '2024-03-01T12:00:00Z' });
const Modality = z.enum(['text', 'image', 'audio']);
const ModalityStatus = z.enum(['present', 'missing', 'failed']);

/** An item as posted (upsert). */
export const ItemInput = z
  .object({
    id: Id.openapi({ example: 'item-0042' }),
    text: z
      .record(z.string(), z.string())
      .optional()
      .openapi({ example: { title: 'Blue hour', description: '…' } }),
    categories: Names.optional(),
    labels: Names.optional(),
    attributes: z.record(z.string(), Attribute).optional(),
    image: z
      .string()
      .min(1)
      .optional()
      .openapi({ description: 'path relative to the media root, or an http(s) URL' }),
    audio: z.string().min(1).optional(),
    timestamp: Timestamp.optional(),
    hidden: z.boolean().optional(),
    comment: z.string().optional(),
  })
  .openapi('ItemInput');

export const ItemPatchBody = ItemInput.omit({ id: true })
  .extend({
    image: z.string().min(1).nullable().optional(),
    audio: z.string().min(1).nullable().optional(),
  })
  .openapi('ItemPatch');

export const Item = z
  .object({
    id: z.string(),
    text: z.record(z.string(), z.string()),
    categories: z.array(z.string()),
    labels: z.array(z.string()),
    attributes: z.record(z.string(), Attribute),
    image: z.string().optional(),
    audio: z.string().optional(),
    timestamp: z.string().optional(),
    hidden: z.boolean(),
    modalities: z.object({
      text: ModalityStatus.optional(),
      image: ModalityStatus.optional(),
      audio: ModalityStatus.optional(),
    }),
    comment: z.string().optional(),
  })
  .openapi('Item');

export const UserInput = z
  .object({
    id: Id,
    labels: Names.optional(),
    attributes: z.record(z.string(), Attribute).optional(),
    comment: z.string().optional(),
  })
  .openapi('UserInput');

export const User = z
  .object({
    id: z.string(),
    labels: z.array(z.string()),
    attributes: z.record(z.string(), Attribute),
    comment: z.string().optional(),
    feedbackCount: z.number().int(),
  })
  .openapi('User');

export const FeedbackInput = z
  .object({
    user: Id,
    item: Id,
    type: Id.openapi({ example: 'click' }),
    value: z.number().finite().optional(),
    timestamp: Timestamp.optional(),
  })
  .openapi('FeedbackInput');

const Explanation = z
  .object({
    collaborative: z.number(),
    bias: z.number(),
    modalities: z.record(z.string(), z.number()),
  })
  .openapi('Explanation');

export const ModelRef = z.object({ name: z.string(), version: z.number().int() }).nullable();

export const RecommendResponse = z
  .object({
    user: z.string().nullable(),
    model: ModelRef,
    source: z.enum(['model', 'popular', 'latest']),
    arm: z.object({ experiment: z.string(), arm: z.string() }).optional(),
    impressionId: z.string().optional(),
    items: z.array(
      z.object({
        id: z.string(),
        score: z.number(),
        item: Item.optional(),
        explanation: Explanation.optional(),
        /** With explain: the business rules that fired on the item (/v1/rules). */
        rules: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string() })).optional(),
      }),
    ),
  })
  .openapi('Recommendations');

export const ScoredItems = z
  .object({
    source: z.enum(['model', 'content']).optional(),
    items: z.array(z.object({ id: z.string(), score: z.number(), item: Item.optional() })),
  })
  .openapi('ScoredItems');

export const SearchResponse = z
  .object({
    items: z.array(
      z.object({ id: z.string(), score: z.number(), modality: Modality, item: Item.optional() }),
    ),
    note: z
      .string()
      .optional()
      .openapi({ description: 'why nothing could match (only with an empty items list)' }),
  })
  .openapi('SearchResults');

/** "true"/"false"/"1"/"0" query flags. */
export const Flag = z.enum(['true', 'false', '1', '0']).optional();
export const flag = (v: string | undefined, dflt: boolean): boolean =>
  v === undefined ? dflt : v === 'true' || v === '1';

export const N = z.coerce.number().int().min(1).max(1000).default(10);
export const Offset = z.coerce.number().int().min(0).max(100000).default(0);
export const Limit = z.coerce.number().int().min(0).max(1000).default(50);

export const RecommendQuery = z.object({
  n: N,
  offset: Offset,
  category: Id.optional(),
  excludeSeen: Flag,
  explain: Flag,
  withItems: Flag,
  rerank: z.string().max(200).optional().openapi({
    description:
      're-ranking stages, e.g. mmr:0.3,pop:0.5,tail:0.1,calib:0.5,fair:brand=0.3 (none: off; default: the operator setting)',
  }),
});

export const SessionBody = z
  .object({
    feedback: z.array(z.object({ item: Id, type: Id.optional(), value: z.number().optional() })),
    n: z.number().int().min(1).max(1000).optional(),
    offset: z.number().int().min(0).optional(),
    category: Id.optional(),
    explain: z.boolean().optional(),
    withItems: z.boolean().optional(),
  })
  .openapi('SessionRequest');

export const SearchQuery = z.object({
  q: z.string().min(1),
  n: N,
  modality: z.enum(['any', 'text', 'image', 'audio']).default('any'),
  category: Id.optional(),
  withItems: Flag,
});

export const SearchBody = z
  .object({
    text: z.string().min(1).optional(),
    image: z.string().min(1).optional().openapi({ description: 'base64 image bytes' }),
    audio: z.string().min(1).optional().openapi({ description: 'base64 audio bytes' }),
    n: z.number().int().min(1).max(1000).optional(),
    modality: z.enum(['any', 'text', 'image', 'audio']).optional(),
    category: Id.optional(),
    withItems: z.boolean().optional(),
  })
  .openapi('SearchRequest');

export const ModelVersion = z
  .object({
    version: z.number().int(),
    name: z.string(),
    params: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    active: z.boolean(),
    metrics: z.record(z.string(), z.number()),
  })
  .openapi('ModelVersion');

export const TrainBody = z
  .object({
    model: z.string().min(1).openapi({ example: 'bpr' }),
    params: z.record(z.string(), z.unknown()).optional(),
    epochs: z.number().int().min(1).max(100000).optional(),
    patience: z.number().int().min(0).optional(),
    positive: z.array(z.string()).optional(),
    seed: z.number().int().optional(),
    refit: z.boolean().optional(),
    /** Auto-tune on validation within this many seconds before the final fit (see experiment/autotune). */
    tuneBudgetSeconds: z.number().positive().optional().openapi({ example: 120 }),
    /**
     * When the new version goes live: true (when done), false (stored inactive), "if-better"
     * (when its validation recall@20 beats the active version's). Default: the server's
     * `--train-activate` policy, itself "never" unless set.
     */
    activate: z
      .union([z.boolean(), z.enum(['never', 'always', 'if-better'])])
      .optional()
      .openapi({ example: 'if-better' }),
  })
  .openapi('TrainRequest');

export const Job = z
  .object({
    id: z.string(),
    kind: z.literal('train'),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    model: z.string(),
    params: z.record(z.string(), z.unknown()),
    activate: z.enum(['never', 'always', 'if-better']),
    activated: z.boolean().optional(),
    activation: z.string().optional(),
    phase: z.string().optional(),
    epoch: z.number().int().optional(),
    maxEpochs: z.number().int().optional(),
    loss: z.number().optional(),
    valid: z.number().optional(),
    version: z.number().int().optional(),
    error: z.string().optional(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
  })
  .openapi('Job');

export const ReportKind = z.enum(['experiment', 'ablation', 'tune']);
export const ReportSummary = z
  .object({ id: z.string(), kind: ReportKind, title: z.string(), createdAt: z.string() })
  .openapi('ReportSummary');

export const ExperimentArm = z.object({
  name: z.string().min(1),
  version: z.number().int().min(1),
  share: z.number().positive(),
});

export const Experiment = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(['running', 'stopped']),
    arms: z.array(ExperimentArm),
    createdAt: z.string(),
    stoppedAt: z.string().optional(),
  })
  .openapi('Experiment');

export const IdParam = z.object({
  id: Id.openapi({ param: { name: 'id', in: 'path' } }),
});
export const UserIdParam = z.object({
  userId: Id.openapi({ param: { name: 'userId', in: 'path' } }),
});
