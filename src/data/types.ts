/**
 * @module data/types
 * The data model at the boundaries of fusionrec: items, users and feedback events with raw
 * string ids. Inside, everything is dense indices (see id-map.ts, interactions.ts).
 */

/** Built-in feedback types; any other string is a custom type. */
export type FeedbackType = 'view' | 'click' | 'like' | 'rating' | 'purchase' | (string & {});

/** One feedback event as it arrives (Gorse's Feedback). */
export interface FeedbackEvent {
  user: string;
  item: string;
  type: FeedbackType;
  /** Rating value, play count, dwell time… 1 when the source has none. */
  value: number;
  /** Unix time in seconds; 0 when the source has none. */
  timestamp: number;
}

/** Scalar attribute value of an item or user. */
export type AttributeValue = string | number | boolean;

/** One catalog item with everything fusionrec may encode. */
export interface Item {
  id: string;
  /** Named text fields, e.g. { title, description }. */
  text: Record<string, string>;
  /** Path (relative to the catalog folder) or URL of the item's image. */
  image?: string;
  /** Path (relative to the catalog folder) or URL of the item's audio clip. */
  audio?: string;
  categories: string[];
  attributes: Record<string, AttributeValue>;
  /** Precomputed vectors per named modality, e.g. { clip: [...] }. */
  vectors: Record<string, number[]>;
  /** Unix seconds when the item appeared (used by "latest" fallbacks); 0 when unknown. */
  timestamp: number;
}

/** One user with optional attributes. */
export interface User {
  id: string;
  attributes: Record<string, AttributeValue>;
}
