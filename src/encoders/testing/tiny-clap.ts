/**
 * @module encoders/testing/tiny-clap
 * Writes a tiny, randomly initialised CLAP model folder (audio + text towers) that
 * transformers.js loads offline with ClapAudioModelWithProjection, ClapTextModelWithProjection,
 * AutoTokenizer and AutoFeatureExtractor (the real ClapFeatureExtractor, at a small scale):
 *
 * ```text
 * <dir>/config.json                model_type "clap", projection_dim
 * <dir>/tokenizer.json, tokenizer_config.json   RobertaTokenizer (byte-level BPE, Ġ word starts)
 * <dir>/preprocessor_config.json   ClapFeatureExtractor: 16 kHz, 1 s, 16 mel bins, repeatpad
 * <dir>/onnx/text_model.onnx       in: input_ids, attention_mask  int64 [batch, seq]
 *                                  out: text_embeds [batch, proj], last_hidden_state
 * <dir>/onnx/audio_model.onnx      in: input_features float32 [batch, 1, frames, mel]
 *                                  out: audio_embeds [batch, proj]
 * ```
 *
 * Audio: per-frame MLP over the log-mel bins, mean over frames, projection. The real
 * Xenova/clap-htsat-unfused uses 48 kHz, 10 s, 64 mel bins and 1001 frames.
 */
import { join } from 'node:path';
import { DataType, GraphBuilder } from '../../onnx/writer.js';
import { tinyTextTowerModel } from './tiny-clip.js';
import { linear, rngFor, writeModelFolder } from './tiny-layers.js';
import { byteBpeTokenizer } from './tiny-tokenizers.js';

/** Options of {@link writeTinyClap}. */
export interface TinyClapOptions {
  /** Hidden size of both towers (default 32). */
  hidden?: number;
  /** Size of text_embeds / audio_embeds (default 16). */
  projection?: number;
  /** The feature extractor's sampling rate (default 16000). */
  samplingRate?: number;
  /** Seconds of audio the model sees (default 1). */
  seconds?: number;
  /** Mel bins (default 16). */
  melBins?: number;
  seed?: number;
}

function audioGraph(mel: number, hidden: number, proj: number, seed: number): Uint8Array {
  const g = new GraphBuilder('tiny_clap_audio');
  g.input('input_features', DataType.FLOAT, ['batch_size', 1, 'frames', mel]);
  // log-mel dB values span about -100…+40: scale them near unit range first
  const scaled = g.node('Mul', ['input_features', g.init('scale', [], Float32Array.of(0.02))]);
  const frames = g.node('Tanh', [linear(g, rngFor(seed, 5), 'frame', scaled, mel, hidden)]);
  const pooled = g.node('ReduceMean', [frames], { axes: { ints: [2] }, keepdims: 0 }); // [B, 1, H]
  const flat = g.node('Flatten', [pooled], { axis: 1 });
  const h = g.node('Tanh', [linear(g, rngFor(seed, 6), 'mix', flat, hidden, hidden)]);
  linear(g, rngFor(seed, 7), 'audio_projection', h, hidden, proj, 'audio_embeds');
  g.output('audio_embeds', DataType.FLOAT, ['batch_size', proj]);
  return g.toModel({ producer: 'fusionrec-tiny-clap-audio' });
}

/** Writes a tiny CLAP model folder at `join(modelDir, name)` and returns that folder. */
export async function writeTinyClap(modelDir: string, name = 'tiny/clap', options: TinyClapOptions = {}) {
  const hidden = options.hidden ?? 32;
  const proj = options.projection ?? 16;
  const rate = options.samplingRate ?? 16_000;
  const seconds = options.seconds ?? 1;
  const mel = options.melBins ?? 16;
  const seed = options.seed ?? 11;
  const maxLength = 32;
  const fft = 256;
  const tok = byteBpeTokenizer('roberta', maxLength);
  const config = {
    model_type: 'clap',
    architectures: ['ClapModel'],
    projection_dim: proj,
    text_config: { model_type: 'clap_text_model', hidden_size: hidden, vocab_size: tok.vocabSize },
    audio_config: { model_type: 'clap_audio_model', hidden_size: hidden, num_mel_bins: mel },
    _note: 'tiny random model written by fusionrec encoders/testing/tiny-clap; not trained',
  };
  const preprocessor = {
    feature_extractor_type: 'ClapFeatureExtractor',
    processor_class: 'ClapProcessor',
    sampling_rate: rate,
    feature_size: mel,
    fft_window_size: fft,
    n_fft: fft,
    nb_frequency_bins: fft / 2 + 1,
    hop_length: fft / 2,
    frequency_min: 50,
    frequency_max: Math.min(14_000, rate / 2 - 100),
    max_length_s: seconds,
    chunk_length_s: seconds,
    nb_max_samples: Math.round(rate * seconds),
    nb_max_frames: Math.floor((rate * seconds) / (fft / 2)),
    padding: 'repeatpad',
    padding_side: 'right',
    padding_value: 0,
    truncation: 'rand_trunc',
    return_attention_mask: false,
    top_db: null,
  };
  return writeModelFolder(join(modelDir, name), {
    'config.json': config,
    'tokenizer.json': tok.tokenizer,
    'tokenizer_config.json': tok.config,
    'preprocessor_config.json': preprocessor,
    'onnx/text_model.onnx': tinyTextTowerModel(tok.vocabSize, hidden, proj, maxLength, seed),
    'onnx/audio_model.onnx': audioGraph(mel, hidden, proj, seed),
  });
}
