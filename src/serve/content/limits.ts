/**
 * @module serve/content/limits
 * The server's per-request media limits (duration and samples of a clip, pixels of a picture) and
 * the cheap header-only check the main thread runs before any decoding: a WAV's fmt/data chunks,
 * an image's header through sharp's metadata(). Clips in other formats are checked by the
 * decoder right after decoding (in an encode worker), before any resampling or analysis.
 */
import type { AudioLimits } from '../../encoders/audio/decode.js';
import { checkAudioLimits, probeWav } from '../../encoders/audio/decode.js';
import { checkImagePixels, probeImage } from '../../encoders/image/builtin.js';
import { describeError, InvalidArgumentError, InvalidRequestError } from '../../errors.js';

/** Largest media one request (or one item) may carry. */
export interface MediaLimits {
  /** Longest clip in seconds (default 600). */
  maxAudioSeconds: number;
  /** Most decoded audio samples, frames x channels (default 30,000,000). */
  maxAudioSamples: number;
  /** Largest picture in pixels, width x height (default 40,000,000). */
  maxImagePixels: number;
}

export const DEFAULT_MEDIA_LIMITS: Readonly<MediaLimits> = Object.freeze({
  maxAudioSeconds: 600,
  maxAudioSamples: 30_000_000,
  maxImagePixels: 40_000_000,
});

/** `limits` over the defaults, each a positive number (InvalidArgumentError otherwise). */
export function mediaLimits(limits: Partial<MediaLimits> = {}): MediaLimits {
  const out = { ...DEFAULT_MEDIA_LIMITS, ...limits };
  for (const [k, v] of Object.entries(out)) {
    if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) {
      throw new InvalidArgumentError(`media limit "${k}" must be a positive number, got ${v}`);
    }
  }
  return out;
}

/** The decoder's form of the audio limits. */
export function audioLimits(l: MediaLimits): AudioLimits {
  return { maxSeconds: l.maxAudioSeconds, maxSamples: l.maxAudioSamples };
}

/**
 * Checks posted media against `limits` from its header only. Throws InvalidInputError naming
 * `field` (400) with what the media is and what the limit is. Media whose header cannot be read
 * here pass: the decoder then reports them (and, for non-WAV audio, checks the limits itself).
 */
export async function checkMediaHeader(
  kind: 'image' | 'audio',
  bytes: Uint8Array,
  limits: MediaLimits,
  field: string = kind,
): Promise<void> {
  try {
    if (kind === 'audio') {
      const header = probeWav(bytes);
      if (header) checkAudioLimits(header, audioLimits(limits));
      return;
    }
    let header: Awaited<ReturnType<typeof probeImage>>;
    try {
      header = await probeImage(bytes);
    } catch {
      return; // not readable as an image: the encoder says why
    }
    checkImagePixels(header, limits.maxImagePixels);
  } catch (err) {
    throw new InvalidRequestError(field, describeError(err), { cause: err });
  }
}
