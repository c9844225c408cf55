/**
 * @module cli/encoder-flags
 * The encoder choice shared by `fusionrec encode` and `fusionrec import`: `--text/--image/--audio
 * <name|none>` with `--<kind>-options <json>`, declared and read in one place.
 */
import type { Command } from 'commander';
import type { MediaKind } from '../encoders/encoder.js';
import { encoderNames, getEncoderEntry } from '../encoders/registry.js';
import { InvalidArgumentError } from '../errors.js';

/** The flags {@link addEncoderOptions} declares, as commander parses them. */
export interface EncoderFlags {
  text: string;
  image: string;
  audio: string;
  textOptions?: string;
  imageOptions?: string;
  audioOptions?: string;
}

const KINDS = ['text', 'image', 'audio'] as const;
const DEFAULTS: Record<MediaKind, string> = { text: 'builtin', image: 'builtin', audio: 'mfcc' };

/** Declares --text, --image, --audio (with their encoder names) and their --<kind>-options. */
export function addEncoderOptions(cmd: Command, textOptionsExample = ''): Command {
  const names = (kind: MediaKind) => [...encoderNames(kind), 'none'].join('|');
  for (const kind of KINDS) cmd.option(`--${kind} <name>`, `${kind} encoder: ${names(kind)}`, DEFAULTS[kind]);
  for (const kind of KINDS) {
    const example = kind === 'text' && textOptionsExample ? `, e.g. '${textOptionsExample}'` : '';
    cmd.option(`--${kind}-options <json>`, `${kind} encoder options as JSON${example}`);
  }
  return cmd;
}

function jsonObject(flag: string, text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError(`--${flag} expects a JSON object, e.g. '{"dim":128}', got ${text}`);
}

/**
 * The chosen encoder of each kind ('none' left out), its name checked against the registry before
 * anything loads, with its options when --<kind>-options was given.
 */
export function chosenEncoders(
  flags: EncoderFlags,
): Partial<Record<MediaKind, { name: string; options?: Record<string, unknown> }>> {
  const out: Partial<Record<MediaKind, { name: string; options?: Record<string, unknown> }>> = {};
  for (const kind of KINDS) {
    const name = flags[kind];
    if (name === 'none') continue;
    getEncoderEntry(kind, name);
    const text = flags[`${kind}Options`];
    out[kind] = { name, ...(text !== undefined ? { options: jsonObject(`${kind}-options`, text) } : {}) };
  }
  return out;
}
