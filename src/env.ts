/**
 * @module env
 * The one module that decides runtime settings: where models and caches live and whether remote
 * model downloads are allowed. Everything else reads them from here.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface FusionrecEnv {
  /** Folder of local model folders (`<modelDir>/<model id>/…`), from FUSIONREC_MODEL_DIR or ./models. */
  modelDir: string;
  /** Whether encoders may download models from the Hugging Face hub (FUSIONREC_ALLOW_REMOTE=1). Off by default. */
  allowRemoteModels: boolean;
  /** Where downloaded models are cached when remote loading is allowed. */
  cacheDir: string;
}

/** Current settings (environment read at call time, so tests can change it). */
export function fusionrecEnv(overrides: Partial<FusionrecEnv> = {}): FusionrecEnv {
  return {
    modelDir: resolve(overrides.modelDir ?? process.env.FUSIONREC_MODEL_DIR ?? 'models'),
    allowRemoteModels: overrides.allowRemoteModels ?? process.env.FUSIONREC_ALLOW_REMOTE === '1',
    cacheDir: resolve(
      overrides.cacheDir ?? process.env.FUSIONREC_CACHE_DIR ?? join(homedir(), '.cache', 'fusionrec'),
    ),
  };
}
