/**
 * @module encoders/testing/tiny-tokenizers
 * Small but real tokenizer files (tokenizer.json + tokenizer_config.json) for the tiny test
 * models: a lower-casing WordPiece tokenizer (BERT style), a byte-level BPE with `</w>` word ends
 * (CLIP style) and a byte-level BPE with `Ġ` word starts (RoBERTa style, as CLAP uses). The
 * vocabularies cover printable ASCII plus ~80 common words, so any text tokenises without network.
 */

/** The two JSON files of a tokenizer, ready to write. */
export interface TokenizerFiles {
  tokenizer: Record<string, unknown>;
  config: Record<string, unknown>;
  /** Vocabulary size (the embedding table's rows). */
  vocabSize: number;
}

const WORDS = `the of and to in a is that for it as was with be by on not this are or from at but have an they
you all we can has more will new one two time like music song movie film book image photo sound audio video
red blue green black white dark light rock pop jazz love night city house play game story art style old fast
slow happy sad user item buy click view rating good bad best price shirt shoe dress phone camera dog cat bird
car rain piano guitar drum voice`
  .split(/\s+/)
  .filter(Boolean);

const ASCII = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)); // '!'..'~'
const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');

function added(specials: readonly string[], vocab: Record<string, number>): Record<string, unknown>[] {
  return specials.map((content) => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
}

class Vocab {
  readonly ids: Record<string, number> = {};
  size = 0;
  add(token: string): void {
    if (!(token in this.ids)) this.ids[token] = this.size++;
  }
}

/** A BERT-style WordPiece tokenizer (lower case, `[CLS] … [SEP]`, `##` continuations). */
export function wordPieceTokenizer(maxLength: number): TokenizerFiles {
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const v = new Vocab();
  for (const t of [...specials, ...ASCII.filter((c) => !/[A-Z]/.test(c))]) v.add(t);
  for (const c of LOWER) v.add(`##${c}`);
  for (const w of WORDS) v.add(w);
  const special = (t: string) => ({ id: t, ids: [v.ids[t]], tokens: [t] });
  const seq = (id: string, typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const tok = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
  return {
    vocabSize: v.size,
    tokenizer: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: added(specials, v.ids),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0)],
        pair: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0), seq('B', 1), tok('[SEP]', 1)],
        special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: {
        type: 'WordPiece',
        unk_token: '[UNK]',
        continuing_subword_prefix: '##',
        max_input_chars_per_word: 100,
        vocab: v.ids,
      },
    },
    config: {
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: maxLength,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    },
  };
}

/** Adds the left-to-right merges that build `pieces.join('')` from its pieces. */
function addMerges(pieces: string[], v: Vocab, merges: string[], seen: Set<string>): void {
  let acc = pieces[0]!;
  for (let i = 1; i < pieces.length; i++) {
    const rule = `${acc} ${pieces[i]}`;
    acc += pieces[i];
    if (!seen.has(rule)) {
      seen.add(rule);
      merges.push(rule);
      v.add(acc);
    }
  }
}

/**
 * A byte-level BPE tokenizer. `style: 'clip'` marks word ends with `</w>`, lower-cases and wraps
 * with `<|startoftext|> … <|endoftext|>` (CLIPTokenizer); `style: 'roberta'` marks word starts with
 * `Ġ` and wraps with `<s> … </s>` (RobertaTokenizer, as CLAP's text tower uses).
 */
export function byteBpeTokenizer(style: 'clip' | 'roberta', maxLength: number): TokenizerFiles {
  const clip = style === 'clip';
  const specials = clip ? ['<|startoftext|>', '<|endoftext|>'] : ['<s>', '<pad>', '</s>', '<unk>', '<mask>'];
  const [bos, eos] = clip ? ['<|startoftext|>', '<|endoftext|>'] : ['<s>', '</s>'];
  const v = new Vocab();
  for (const t of specials) v.add(t);
  for (const c of ASCII) v.add(c);
  if (clip) for (const c of ASCII) v.add(`${c}</w>`);
  else for (const c of ['', ...ASCII]) v.add(`Ġ${c}`);
  const merges: string[] = [];
  const seen = new Set<string>();
  for (const w of WORDS) {
    const chars = w.split('');
    if (clip) addMerges([...chars.slice(0, -1), `${chars.at(-1)}</w>`], v, merges, seen);
    else {
      addMerges(chars, v, merges, seen);
      addMerges([`Ġ${chars[0]}`, ...chars.slice(1)], v, merges, seen);
    }
  }
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: !clip };
  const clipSplit =
    "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";
  return {
    vocabSize: v.size,
    tokenizer: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: added(specials, v.ids),
      normalizer: clip
        ? {
            type: 'Sequence',
            normalizers: [
              { type: 'NFC' },
              { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
              { type: 'Lowercase' },
            ],
          }
        : null,
      pre_tokenizer: clip
        ? {
            type: 'Sequence',
            pretokenizers: [
              { type: 'Split', pattern: { Regex: clipSplit }, behavior: 'Removed', invert: true },
              byteLevel,
            ],
          }
        : byteLevel,
      post_processor: {
        type: 'RobertaProcessing',
        sep: [eos, v.ids[eos!]],
        cls: [bos, v.ids[bos!]],
        trim_offsets: false,
        add_prefix_space: false,
      },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: clip ? '<|endoftext|>' : '<unk>',
        continuing_subword_prefix: '',
        end_of_word_suffix: clip ? '</w>' : '',
        fuse_unk: false,
        vocab: v.ids,
        merges,
      },
    },
    config: clip
      ? {
          tokenizer_class: 'CLIPTokenizer',
          do_lower_case: true,
          model_max_length: maxLength,
          bos_token: bos,
          eos_token: eos,
          pad_token: eos,
          unk_token: eos,
        }
      : {
          tokenizer_class: 'RobertaTokenizer',
          model_max_length: maxLength,
          bos_token: bos,
          eos_token: eos,
          sep_token: eos,
          cls_token: bos,
          pad_token: '<pad>',
          unk_token: '<unk>',
          mask_token: '<mask>',
        },
  };
}
