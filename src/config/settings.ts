/**
 * @module config/settings
 * Every runtime setting of fusionrec in one typed table: its name in a config file, its
 * environment variable, its type, default and meaning. config/load reads them with the precedence
 * defaults < config file < FUSIONREC_* environment < command-line flags; `fusionrec config` prints
 * them with where each value came from.
 */

/** The typed settings. */
export interface Settings {
  /** Store URL used when a command gets no --db (sqlite://file.db or postgres://…). */
  db: string | undefined;
  /** Admin API key of the server (every scope). */
  apiKey: string | undefined;
  /** Read-only API key of the server. */
  readKey: string | undefined;
  /** Redis URL of the change bus shared by servers and workers (serve/worker/stream-send --cache). */
  bus: string | undefined;
  /** Worker threads for evaluation and training (default: the machine's cores, at most 8). */
  workers: number | undefined;
  /** Worker threads of the server's encode service (default: cores - 1, at most 4). */
  encodeWorkers: number | undefined;
  /** Progress bars with ETA on a terminal (off when not a TTY or under CI). */
  progress: boolean;
  /** Print stack traces of unexpected errors. */
  debug: boolean;
  /** Folder of the shared research data sets (default ../shared/data next to the repository). */
  dataRoot: string | undefined;
  /** SQLite WAL sync: normal (no committed write lost when killed) or full (synced per commit). */
  sqliteDurability: 'normal' | 'full';
  /** Folder of local model folders for the pretrained encoders. */
  modelDir: string;
  /** Whether encoders may download models from the Hugging Face hub. */
  allowRemoteModels: boolean;
  /** Where downloaded models are cached. */
  cacheDir: string | undefined;
  /** Memory a training run may plan for (e.g. 24G; default 90% of the machine or cgroup). */
  memoryLimit: string | undefined;
  /** Key of the request logs' user pseudonyms (HMAC-SHA256). */
  logKey: string | undefined;
}

export type SettingKey = keyof Settings;

export interface SettingSpec {
  key: SettingKey;
  env: string;
  kind: 'string' | 'int' | 'bool' | 'enum';
  values?: readonly string[];
  /** Printed as *** by `fusionrec config`. */
  secret?: boolean;
  doc: string;
}

/** Defaults (undefined: "not set", the using module decides). */
export const DEFAULTS: Settings = {
  db: undefined,
  apiKey: undefined,
  readKey: undefined,
  bus: undefined,
  workers: undefined,
  encodeWorkers: undefined,
  progress: true,
  debug: false,
  dataRoot: undefined,
  sqliteDurability: 'normal',
  modelDir: 'models',
  allowRemoteModels: false,
  cacheDir: undefined,
  memoryLimit: undefined,
  logKey: undefined,
};

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'db', env: 'FUSIONREC_DB', kind: 'string', doc: 'store URL used when a command gets no --db' },
  {
    key: 'apiKey',
    env: 'FUSIONREC_API_KEY',
    kind: 'string',
    secret: true,
    doc: 'admin API key of the server',
  },
  { key: 'readKey', env: 'FUSIONREC_READ_KEY', kind: 'string', secret: true, doc: 'read-only API key' },
  { key: 'bus', env: 'FUSIONREC_CACHE', kind: 'string', doc: 'Redis URL of the change bus (--cache)' },
  { key: 'workers', env: 'FUSIONREC_WORKERS', kind: 'int', doc: 'worker threads for evaluation/training' },
  { key: 'encodeWorkers', env: 'FUSIONREC_ENCODE_WORKERS', kind: 'int', doc: "encode service's threads" },
  { key: 'progress', env: 'FUSIONREC_PROGRESS', kind: 'bool', doc: 'progress bars with ETA on a terminal' },
  { key: 'debug', env: 'FUSIONREC_DEBUG', kind: 'bool', doc: 'stack traces of unexpected errors' },
  { key: 'dataRoot', env: 'FUSIONREC_DATA', kind: 'string', doc: 'folder of the shared data sets' },
  {
    key: 'sqliteDurability',
    env: 'FUSIONREC_SQLITE_DURABILITY',
    kind: 'enum',
    values: ['normal', 'full'],
    doc: 'SQLite WAL sync per commit (full) or at checkpoints (normal)',
  },
  { key: 'modelDir', env: 'FUSIONREC_MODEL_DIR', kind: 'string', doc: 'folder of local encoder models' },
  { key: 'allowRemoteModels', env: 'FUSIONREC_ALLOW_REMOTE', kind: 'bool', doc: 'download encoder models' },
  { key: 'cacheDir', env: 'FUSIONREC_CACHE_DIR', kind: 'string', doc: 'cache of downloaded models' },
  {
    key: 'memoryLimit',
    env: 'FUSIONREC_MEMORY_LIMIT',
    kind: 'string',
    doc: 'memory a training run may plan for',
  },
  {
    key: 'logKey',
    env: 'FUSIONREC_LOG_KEY',
    kind: 'string',
    secret: true,
    doc: 'key of request-log pseudonyms',
  },
];
