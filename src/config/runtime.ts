/**
 * @module config/runtime
 * The settings every module reads at run time: `settings()` loads them (config/load: file <
 * environment < flags) on each call, so a test that changes the environment is seen at once; the
 * CLI applies its flags with `applyFlags` once per process instead of writing to the environment.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { type LoadedSettings, loadSettings } from './load.js';
import type { Settings } from './settings.js';

let flags: Partial<Settings> = {};
let configFile: string | undefined;

/** Makes command-line values win over file and environment for the rest of the process. */
export function applyFlags(values: Partial<Settings>, file?: string): void {
  for (const [k, v] of Object.entries(values)) if (v !== undefined) (flags as Record<string, unknown>)[k] = v;
  if (file !== undefined) configFile = file;
}

/** Forgets applied flags (tests). */
export function resetFlags(): void {
  flags = {};
  configFile = undefined;
}

/** The settings and where each came from. */
export function loadedSettings(): LoadedSettings {
  return loadSettings({ flags, ...(configFile !== undefined ? { file: configFile } : {}) });
}

/** The settings in force. */
export function settings(): Settings {
  return loadedSettings().settings;
}

export interface FusionrecEnv {
  /** Folder of local model folders (`<modelDir>/<model id>/…`). */
  modelDir: string;
  /** Whether encoders may download models from the Hugging Face hub. Off by default. */
  allowRemoteModels: boolean;
  /** Where downloaded models are cached when remote loading is allowed. */
  cacheDir: string;
}

/** The encoders' model settings with absolute paths (`overrides` win). */
export function fusionrecEnv(overrides: Partial<FusionrecEnv> = {}): FusionrecEnv {
  const s = settings();
  return {
    modelDir: resolve(overrides.modelDir ?? s.modelDir),
    allowRemoteModels: overrides.allowRemoteModels ?? s.allowRemoteModels,
    cacheDir: resolve(overrides.cacheDir ?? s.cacheDir ?? join(homedir(), '.cache', 'fusionrec')),
  };
}
