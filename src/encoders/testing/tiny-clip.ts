/**
 * @module encoders/testing/tiny-clip
 * Writes a tiny, randomly initialised CLIP model folder (text + vision towers sharing one
 * projection space) that transformers.js loads offline with CLIPTextModelWithProjection,
 * CLIPVisionModelWithProjection, AutoTokenizer and AutoImageProcessor:
 *
 * ```text
 * <dir>/config.json                model_type "clip", projection_dim
 * <dir>/tokenizer.json, tokenizer_config.json   CLIPTokenizer (byte-level BPE, </w> word ends)
 * <dir>/preprocessor_config.json   CLIPImageProcessor: resize, centre crop, rescale, normalise
 * <dir>/onnx/text_model.onnx       in: input_ids, attention_mask  int64 [batch, seq]
 *                                  out: text_embeds [batch, proj], last_hidden_state
 * <dir>/onnx/vision_model.onnx     in: pixel_values float32 [batch, 3, size, size]
 *                                  out: image_embeds [batch, proj], last_hidden_state
 * ```
 *
 * Text: embeddings, residual blocks, masked mean, projection. Vision: patch embedding (Conv with
 * stride = patch), residual blocks over patches, mean, projection. Untrained: the two towers'
 * vectors share a space only in shape.
 */
import { join } from 'node:path';
import { DataType, GraphBuilder } from '../../onnx/writer.js';
import {
  linear,
  maskedMean,
  randn,
  residualBlock,
  rngFor,
  textTower,
  writeModelFolder,
} from './tiny-layers.js';
import { byteBpeTokenizer } from './tiny-tokenizers.js';

/** Options of {@link writeTinyClip}. */
export interface TinyClipOptions {
  /** Hidden size of both towers (default 32). */
  hidden?: number;
  /** Size of text_embeds / image_embeds (default 16). */
  projection?: number;
  /** Input image side after resize + crop (default 32). */
  imageSize?: number;
  /** Patch side (default 8; must divide imageSize). */
  patchSize?: number;
  /** Tokenizer model_max_length (default 32). */
  maxLength?: number;
  seed?: number;
}

/** A CLIP/CLAP-style text tower model: [batch, seq] token ids → text_embeds [batch, proj]. */
export function tinyTextTowerModel(
  vocabSize: number,
  hidden: number,
  proj: number,
  maxLength: number,
  seed: number,
) {
  const g = new GraphBuilder('tiny_text_tower');
  const { last, maskF } = textTower(g, {
    vocabSize,
    hidden,
    layers: 2,
    maxLength,
    tokenTypes: false,
    hiddenStates: false,
    seed,
  });
  g.node('Identity', [last], {}, ['last_hidden_state']);
  const pooled = g.node('Flatten', [maskedMean(g, last, maskF)], { axis: 1 });
  linear(g, rngFor(seed, 2), 'text_projection', pooled, hidden, proj, 'text_embeds');
  g.output('text_embeds', DataType.FLOAT, ['batch_size', proj]);
  g.output('last_hidden_state', DataType.FLOAT, ['batch_size', 'sequence_length', hidden]);
  return g.toModel({ producer: 'fusionrec-tiny-text-tower' });
}

function visionGraph(hidden: number, proj: number, size: number, patch: number, seed: number): Uint8Array {
  const g = new GraphBuilder('tiny_clip_vision');
  const rng = rngFor(seed, 3);
  const nPatches = (size / patch) ** 2;
  g.input('pixel_values', DataType.FLOAT, ['batch_size', 3, size, size]);
  const w = g.init('patch.w', [hidden, 3, patch, patch], randn(rng, hidden * 3 * patch * patch, 0.2));
  const conv = g.node('Conv', ['pixel_values', w], {
    kernel_shape: { ints: [patch, patch] },
    strides: { ints: [patch, patch] },
  });
  const flat = g.node('Reshape', [conv, g.ints('patch.shape', [3], [0, hidden, -1])]);
  const pos = g.init('patch.pos', [nPatches, hidden], randn(rng, nPatches * hidden, 0.1));
  let h = g.node('Add', [g.node('Transpose', [flat], { perm: { ints: [0, 2, 1] } }), pos]);
  for (let l = 0; l < 2; l++) h = residualBlock(g, rngFor(seed, 20 + l), `vlayer${l}`, h, hidden, undefined);
  g.node('Identity', [h], {}, ['last_hidden_state']);
  const pooled = g.node('ReduceMean', [h], { axes: { ints: [1] }, keepdims: 0 });
  linear(g, rngFor(seed, 4), 'visual_projection', pooled, hidden, proj, 'image_embeds');
  g.output('image_embeds', DataType.FLOAT, ['batch_size', proj]);
  g.output('last_hidden_state', DataType.FLOAT, ['batch_size', nPatches, hidden]);
  return g.toModel({ producer: 'fusionrec-tiny-clip-vision' });
}

/** Writes a tiny CLIP model folder at `join(modelDir, name)` and returns that folder. */
export async function writeTinyClip(modelDir: string, name = 'tiny/clip', options: TinyClipOptions = {}) {
  const hidden = options.hidden ?? 32;
  const proj = options.projection ?? 16;
  const size = options.imageSize ?? 32;
  const patch = options.patchSize ?? 8;
  const maxLength = options.maxLength ?? 32;
  const seed = options.seed ?? 7;
  if (size % patch !== 0) throw new Error(`tiny-clip: patchSize ${patch} must divide imageSize ${size}`);
  const tok = byteBpeTokenizer('clip', maxLength);
  const config = {
    model_type: 'clip',
    architectures: ['CLIPModel'],
    projection_dim: proj,
    text_config: {
      model_type: 'clip_text_model',
      hidden_size: hidden,
      num_hidden_layers: 2,
      vocab_size: tok.vocabSize,
      max_position_embeddings: maxLength,
    },
    vision_config: {
      model_type: 'clip_vision_model',
      hidden_size: hidden,
      num_hidden_layers: 2,
      image_size: size,
      patch_size: patch,
      num_channels: 3,
    },
    _note: 'tiny random model written by fusionrec encoders/testing/tiny-clip; not trained',
  };
  const preprocessor = {
    image_processor_type: 'CLIPImageProcessor',
    feature_extractor_type: 'CLIPFeatureExtractor',
    do_resize: true,
    size: { shortest_edge: size },
    resample: 3,
    do_center_crop: true,
    crop_size: { height: size, width: size },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.48145466, 0.4578275, 0.40821073],
    image_std: [0.26862954, 0.26130258, 0.27577711],
    do_convert_rgb: true,
  };
  return writeModelFolder(join(modelDir, name), {
    'config.json': config,
    'tokenizer.json': tok.tokenizer,
    'tokenizer_config.json': tok.config,
    'preprocessor_config.json': preprocessor,
    'onnx/text_model.onnx': tinyTextTowerModel(tok.vocabSize, hidden, proj, maxLength, seed),
    'onnx/vision_model.onnx': visionGraph(hidden, proj, size, patch, seed),
  });
}
