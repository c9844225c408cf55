/**
 * @module encoders/audio/decode
 * Decodes an audio file's bytes to a mono Float32 signal in [-1, 1]. WAV (RIFF, RIFX, RF64) goes
 * through wavefile: integer and float PCM are converted straight from the data chunk's bytes;
 * A-law, µ-law and IMA-ADPCM are first expanded by wavefile. Every other format (MP3, FLAC,
 * Ogg Vorbis/Opus, AIFF, M4A, …) goes through audio-decode, which detects it from the content.
 * Channels are mixed to mono by averaging. Throws an Error with a readable message on corrupt,
 * empty or unsupported input.
 *
 * Limits ({@link AudioLimits}: duration and decoded samples) are checked from a WAV's header
 * ({@link probeWav}) before anything is decoded, and for other formats right after decoding (before
 * any resampling or analysis). They come from the `limits` argument, else from the thread's
 * {@link setAudioLimits} (the server's encode workers set it); offline jobs have none.
 */
import audioDecode from 'audio-decode';
import wavefile from 'wavefile';

/** Largest clip a caller accepts; a larger one throws before it is decoded (WAV) or analysed. */
export interface AudioLimits {
  /** Longest duration in seconds. */
  maxSeconds: number;
  /** Most decoded samples (frames x channels). */
  maxSamples: number;
}

/** What a WAV header says about its data chunk. */
export interface WavHeader {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Sample frames in the data chunk (as far as the bytes go). */
  frames: number;
  seconds: number;
}

let threadLimits: AudioLimits | undefined;

/** Sets the limits every later {@link decodeToMono} call of this thread applies (undefined: none). */
export function setAudioLimits(limits: AudioLimits | undefined): void {
  threadLimits = limits;
}

/** A decoded, mono signal. */
export interface MonoAudio {
  samples: Float32Array;
  sampleRate: number;
  /** Channels in the file (before mixing). */
  channels: number;
}

interface WavFmt {
  numChannels: number;
  sampleRate: number;
}

function isWav(bytes: Uint8Array): boolean {
  if (bytes.length < 12) return false;
  const tag = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  const wave = String.fromCharCode(bytes[8]!, bytes[9]!, bytes[10]!, bytes[11]!);
  return (tag === 'RIFF' || tag === 'RIFX' || tag === 'RF64') && wave === 'WAVE';
}

function tag4(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

/**
 * Reads a WAV file's header only (fmt and data chunks; RF64's ds64 size): rate, channels, bits
 * and the frames the data chunk holds (bounded by the bytes actually present). Undefined for
 * bytes that are not WAV or whose header is incomplete (the decoder then says why).
 */
export function probeWav(bytes: Uint8Array): WavHeader | undefined {
  if (!isWav(bytes)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = tag4(bytes, 0) !== 'RIFX';
  let fmt: { channels: number; sampleRate: number; bits: number } | undefined;
  let rf64Data: number | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = tag4(bytes, at);
    const size = view.getUint32(at + 4, le);
    const body = at + 8;
    if (id === 'ds64' && body + 16 <= bytes.length) {
      rf64Data = view.getUint32(body + 8, true) + view.getUint32(body + 12, true) * 2 ** 32;
    } else if (id === 'fmt ' && body + 16 <= bytes.length) {
      fmt = {
        channels: view.getUint16(body + 2, le),
        sampleRate: view.getUint32(body + 4, le),
        bits: view.getUint16(body + 14, le),
      };
    } else if (id === 'data') {
      if (!fmt || !(fmt.channels >= 1) || !(fmt.sampleRate > 0) || !(fmt.bits > 0)) return undefined;
      const declared = size === 0xffffffff && rf64Data !== undefined ? rf64Data : size;
      const dataBytes = Math.min(declared, bytes.length - body);
      const frames = Math.floor((dataBytes * 8) / (fmt.bits * fmt.channels));
      return {
        sampleRate: fmt.sampleRate,
        channels: fmt.channels,
        bitsPerSample: fmt.bits,
        frames,
        seconds: frames / fmt.sampleRate,
      };
    }
    at = body + size + (size % 2);
  }
  return undefined;
}

/**
 * Throws when a clip of `frames` x `channels` at `sampleRate` Hz is over `limits`; the message says
 * what the clip is and what the limit is.
 */
export function checkAudioLimits(
  clip: { frames: number; channels: number; sampleRate: number },
  limits: AudioLimits,
): void {
  const seconds = clip.frames / clip.sampleRate;
  const what = `${clip.frames.toLocaleString('en-US')} samples at ${clip.sampleRate} Hz, ${clip.channels} channel${clip.channels === 1 ? '' : 's'}`;
  if (seconds > limits.maxSeconds) {
    throw new Error(
      `the clip is ${seconds.toFixed(1)} s long (${what}); the limit is ${limits.maxSeconds} s`,
    );
  }
  const samples = clip.frames * clip.channels;
  if (samples > limits.maxSamples) {
    throw new Error(
      `the clip has ${samples.toLocaleString('en-US')} samples (${what}); the limit is ${limits.maxSamples.toLocaleString('en-US')} samples`,
    );
  }
}

/** Mono mix of interleaved `frames x channels` samples read by `read(sampleIndex)`. */
function mixInterleaved(
  frames: number,
  channels: number,
  read: (index: number) => number,
  scale: number,
): Float32Array {
  const out = new Float32Array(frames);
  const k = scale / channels;
  for (let f = 0, i = 0; f < frames; f++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += read(i++);
    out[f] = s * k;
  }
  return out;
}

/** Samples of a parsed WAV file, mixed to mono. */
function wavToMono(bytes: Uint8Array): MonoAudio {
  const wav = new wavefile.WaveFile(bytes);
  const fmt = wav.fmt as WavFmt;
  // Expand companded / compressed formats to 16-bit PCM first.
  if (wav.bitDepth === '4') wav.fromIMAADPCM();
  else if (wav.bitDepth === '8a') wav.fromALaw();
  else if (wav.bitDepth === '8m') wav.fromMuLaw();
  if (!['8', '16', '24', '32', '32f', '64'].includes(wav.bitDepth)) wav.toBitDepth('32f');
  const channels = fmt.numChannels;
  if (!(channels >= 1) || !(fmt.sampleRate > 0)) {
    throw new Error(`invalid WAV header: ${channels} channels at ${fmt.sampleRate} Hz`);
  }
  const raw = (wav.data as { samples: Uint8Array }).samples;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = wav.container !== 'RIFX';
  const depth = wav.bitDepth;
  const bytesPer = depth === '32f' ? 4 : depth === '64' ? 8 : Number(depth) / 8;
  const frames = Math.floor(raw.byteLength / (bytesPer * channels));
  let samples: Float32Array;
  switch (depth) {
    case '8':
      samples = mixInterleaved(frames, channels, (i) => view.getUint8(i) - 128, 1 / 128);
      break;
    case '16':
      samples = mixInterleaved(frames, channels, (i) => view.getInt16(i * 2, le), 1 / 32768);
      break;
    case '24':
      samples = mixInterleaved(
        frames,
        channels,
        (i) => {
          const o = i * 3;
          const b0 = view.getUint8(o);
          const b1 = view.getUint8(o + 1);
          const b2 = view.getUint8(o + 2);
          const v = le ? b0 | (b1 << 8) | (b2 << 16) : b2 | (b1 << 8) | (b0 << 16);
          return (v << 8) >> 8;
        },
        1 / 8388608,
      );
      break;
    case '32':
      samples = mixInterleaved(frames, channels, (i) => view.getInt32(i * 4, le), 1 / 2147483648);
      break;
    case '32f':
      samples = mixInterleaved(frames, channels, (i) => view.getFloat32(i * 4, le), 1);
      break;
    default:
      samples = mixInterleaved(frames, channels, (i) => view.getFloat64(i * 8, le), 1);
  }
  return { samples, sampleRate: fmt.sampleRate, channels };
}

/** Mono mix of audio-decode's planar output. */
async function otherToMono(bytes: Uint8Array): Promise<MonoAudio> {
  const { channelData, sampleRate } = await audioDecode(bytes);
  const channels = channelData.length;
  const first = channelData[0];
  if (channels === 0 || first === undefined || !(sampleRate > 0)) {
    throw new Error('no audio could be decoded (corrupt or truncated file)');
  }
  if (channels === 1) return { samples: first, sampleRate, channels };
  const n = Math.min(...channelData.map((c) => c.length));
  const out = new Float32Array(n);
  for (const ch of channelData) for (let i = 0; i < n; i++) out[i]! += ch[i]!;
  for (let i = 0; i < n; i++) out[i]! /= channels;
  return { samples: out, sampleRate, channels };
}

/**
 * Decodes an audio file (WAV via wavefile; MP3, FLAC, Ogg, AIFF, … via audio-decode) to a mono
 * Float32 signal. Throws on empty, corrupt or unsupported input, and on a clip over `limits`
 * (default: this thread's {@link setAudioLimits}); the message says why.
 */
export async function decodeToMono(
  bytes: Uint8Array,
  limits: AudioLimits | undefined = threadLimits,
): Promise<MonoAudio> {
  if (bytes.length === 0) throw new Error('file is empty');
  if (isWav(bytes)) {
    const header = limits && probeWav(bytes);
    if (limits && header) checkAudioLimits(header, limits);
    const audio = wavToMono(bytes);
    if (limits) checkAudioLimits({ ...audio, frames: audio.samples.length }, limits);
    return audio;
  }
  try {
    const audio = await otherToMono(bytes);
    if (limits) checkAudioLimits({ ...audio, frames: audio.samples.length }, limits);
    return audio;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/unknown audio format/i.test(msg)) throw new Error('unsupported or unrecognised audio format');
    if (/no decoder for|cannot find (package|module)/i.test(msg))
      throw new Error(`unsupported audio format (${msg})`);
    throw err;
  }
}
