/**
 * @module encoders/testing/tiny-bert
 * Writes a tiny, randomly initialised, BERT-shaped feature-extraction model folder that
 * transformers.js loads offline with `AutoModel` / `AutoTokenizer`:
 *
 * ```text
 * <dir>/config.json             model_type "bert"
 * <dir>/tokenizer.json          WordPiece, lower case (see tiny-tokenizers)
 * <dir>/tokenizer_config.json   BertTokenizer
 * <dir>/onnx/model.onnx         in: input_ids, attention_mask, token_type_ids  int64 [batch, seq]
 *                               out: last_hidden_state float32 [batch, seq, hidden]
 *                                    hidden_states.0 … hidden_states.<layers> (when hiddenStates)
 * ```
 *
 * The vectors are deterministic for a seed but mean nothing: use it to test loading, tokenising,
 * pooling, padding and batching without network access or pretrained weights.
 */
import { join } from 'node:path';
import { DataType, GraphBuilder } from '../../onnx/writer.js';
import { textTower, writeModelFolder } from './tiny-layers.js';
import { wordPieceTokenizer } from './tiny-tokenizers.js';

/** Options of {@link writeTinyBert}. */
export interface TinyBertOptions {
  /** Hidden size (default 32). */
  hidden?: number;
  /** Number of blocks (default 2). */
  layers?: number;
  /** Tokenizer model_max_length and position table size (default 64). */
  maxLength?: number;
  /** Whether the graph also outputs every layer's hidden state (default true). */
  hiddenStates?: boolean;
  seed?: number;
}

/**
 * Writes a tiny BERT model folder at `join(modelDir, name)` and returns that folder. Load it with
 * `FUSIONREC_MODEL_DIR=modelDir` and model id `name` (which may contain a slash, like hub ids).
 */
export async function writeTinyBert(modelDir: string, name = 'tiny/bert', options: TinyBertOptions = {}) {
  const hidden = options.hidden ?? 32;
  const layers = options.layers ?? 2;
  const maxLength = options.maxLength ?? 64;
  const hiddenStates = options.hiddenStates ?? true;
  const seed = options.seed ?? 42;
  const tok = wordPieceTokenizer(maxLength);
  const g = new GraphBuilder('tiny_bert');
  const { last } = textTower(g, {
    vocabSize: tok.vocabSize,
    hidden,
    layers,
    maxLength,
    tokenTypes: true,
    hiddenStates,
    seed,
  });
  g.node('Identity', [last], {}, ['last_hidden_state']);
  g.output('last_hidden_state', DataType.FLOAT, ['batch_size', 'sequence_length', hidden]);
  const config = {
    model_type: 'bert',
    architectures: ['BertModel'],
    vocab_size: tok.vocabSize,
    hidden_size: hidden,
    num_hidden_layers: layers,
    num_attention_heads: 1,
    intermediate_size: hidden * 2,
    max_position_embeddings: maxLength,
    type_vocab_size: 2,
    pad_token_id: 0,
    _note: 'tiny random model written by fusionrec encoders/testing/tiny-bert; not trained',
  };
  return writeModelFolder(join(modelDir, name), {
    'config.json': config,
    'tokenizer.json': tok.tokenizer,
    'tokenizer_config.json': tok.config,
    'onnx/model.onnx': g.toModel({ producer: 'fusionrec-tiny-bert' }),
  });
}
