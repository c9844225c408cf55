/**
 * @module encoders/audio/decode
 * Decodes an audio file's bytes to a mono Float32 signal in [-1, 1]. WAV (RIFF, RIFX, RF64) goes
 * through wavefile: integer and float PCM are converted straight from the data chunk's bytes;
 * A-law, µ-law and IMA-ADPCM are first expanded by wavefile. Every other format (MP3, FLAC,
 * Ogg Vorbis/Opus, AIFF, M4A, …) goes through audio-decode, which detects it from the content.
 * Channels are mixed to mono by averaging. Throws an Error with a readable message on corrupt,
 * empty or unsupported input.
 */
import audioDecode from 'audio-decode';
import wavefile from 'wavefile';

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
 * Float32 signal. Throws on empty, corrupt or unsupported input; the message says why.
 */
export async function decodeToMono(bytes: Uint8Array): Promise<MonoAudio> {
  if (bytes.length === 0) throw new Error('file is empty');
  if (isWav(bytes)) return wavToMono(bytes);
  try {
    return await otherToMono(bytes);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/unknown audio format/i.test(msg)) throw new Error('unsupported or unrecognised audio format');
    if (/no decoder for|cannot find (package|module)/i.test(msg))
      throw new Error(`unsupported audio format (${msg})`);
    throw err;
  }
}
