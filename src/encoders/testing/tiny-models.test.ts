import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '../hf.js';
import { writeTinyBert } from './tiny-bert.js';
import { writeTinyClap } from './tiny-clap.js';
import { writeTinyClip } from './tiny-clip.js';

/** Per-test limit: writing a tiny model folder and loading a tokenizer take milliseconds. */
const TINY_MODEL_TIMEOUT_MS = 20_000;

let dir = '';
const saved = { ...process.env };

async function files(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fusionrec-tiny-models-'));
  process.env.FUSIONREC_MODEL_DIR = dir;
  process.env.FUSIONREC_CACHE_DIR = join(dir, '.cache');
  delete process.env.FUSIONREC_ALLOW_REMOTE;
});

afterAll(async () => {
  process.env = saved;
  await rm(dir, { recursive: true, force: true });
});

describe('tiny model generators', () => {
  it(
    'write the folder layout transformers.js expects for each model class',
    async () => {
      expect(await files(await writeTinyBert(dir, 'bert'))).toEqual([
        'config.json',
        'onnx/model.onnx',
        'tokenizer.json',
        'tokenizer_config.json',
      ]);
      const clip = ['config.json', 'onnx/text_model.onnx', 'preprocessor_config.json', 'tokenizer.json'];
      expect(await files(await writeTinyClip(dir, 'clip'))).toEqual([
        ...clip.slice(0, 2),
        'onnx/vision_model.onnx',
        ...clip.slice(2),
        'tokenizer_config.json',
      ]);
      expect(await files(await writeTinyClap(dir, 'clap'))).toEqual([
        'config.json',
        'onnx/audio_model.onnx',
        'onnx/text_model.onnx',
        'preprocessor_config.json',
        'tokenizer.json',
        'tokenizer_config.json',
      ]);
      const config = JSON.parse(await readFile(join(dir, 'clip', 'config.json'), 'utf8'));
      expect(config.model_type).toBe('clip');
      expect(config.projection_dim).toBe(16);
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'are deterministic for a seed and differ across seeds',
    async () => {
      const a = await readFile(join(await writeTinyBert(dir, 'b1', { seed: 3 }), 'onnx', 'model.onnx'));
      const b = await readFile(join(await writeTinyBert(dir, 'b2', { seed: 3 }), 'onnx', 'model.onnx'));
      const c = await readFile(join(await writeTinyBert(dir, 'b3', { seed: 4 }), 'onnx', 'model.onnx'));
      expect(a.equals(b)).toBe(true);
      expect(a.equals(c)).toBe(false);
      expect(a.length).toBeLessThan(200_000);
    },
    TINY_MODEL_TIMEOUT_MS,
  );

  it(
    'ship tokenizers that wrap texts in their special tokens and pad batches',
    async () => {
      await writeTinyBert(dir, 'tok-bert');
      await writeTinyClip(dir, 'tok-clip');
      await writeTinyClap(dir, 'tok-clap');
      const cases = [
        { model: 'tok-bert', first: '[CLS]', last: '[SEP]' },
        { model: 'tok-clip', first: '<|startoftext|>', last: '<|endoftext|>' },
        { model: 'tok-clap', first: '<s>', last: '</s>' },
      ];
      for (const { model, first, last } of cases) {
        const tok = await loadTokenizer(model);
        const vocab = JSON.parse(await readFile(join(dir, model, 'tokenizer.json'), 'utf8')).model.vocab;
        const enc = tok.tokenize(['the red dog', 'jazz']);
        expect(enc.batch).toBe(2);
        expect(enc.seqLen).toBeGreaterThanOrEqual(5);
        expect(
          [...enc.mask.subarray(enc.seqLen, 2 * enc.seqLen)].filter((m) => m === 1n).length,
        ).toBeLessThan(enc.seqLen);
        const row0 = [...enc.ids.subarray(0, enc.seqLen)].filter((_, s) => enc.mask[s] === 1n).map(Number);
        expect(row0[0]).toBe(vocab[first]);
        expect(row0.at(-1)).toBe(vocab[last]);
        expect(row0.length).toBeGreaterThan(2);
        expect(tok.maxLength).toBeGreaterThan(16);
      }
    },
    TINY_MODEL_TIMEOUT_MS,
  );
});
