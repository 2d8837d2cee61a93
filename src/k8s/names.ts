// Object names and label values (conventions.md, "Names"). Every composed name is suffixed with a
// short hash of its identifying parts, so two different inputs never collide through truncation or
// sanitising, and every name stays within Kubernetes' 63-character limit.
import { createHash } from 'node:crypto';
import { LruCache } from '../lru.js';

const HASH_LENGTH = 5;
const MAX_NAME = 63;

function shortHash(text: string): string {
  // Every reconcile names the same objects again; a digest costs more than the rest of a name.
  let hash = shortHashes.get(text);
  if (hash === undefined) {
    hash = createHash('sha256').update(text, 'utf8').digest('hex').slice(0, HASH_LENGTH);
    shortHashes.set(text, hash);
  }
  return hash;
}

const SHORT_HASHES_KEPT = 8192;
const shortHashes = new LruCache<string, string>(SHORT_HASHES_KEPT);

/**
 * The visible part cut to `length`, ending on an alphanumeric. conventions.md trims trailing `-`;
 * a deployment name is a DNS subdomain, so a cut can also end on `.`, which would make `x.-hash`
 * an invalid name: trim both. The reference values are unchanged.
 */
function cutVisible(visible: string, length: number): string {
  return visible.slice(0, Math.max(0, length)).replace(/[-.]+$/, '');
}

/** `visible` cut to fit `budget`, then `-<hash of visible and parts>`. Always suffixed. */
function hashNameWithin(budget: number, visible: string, parts: readonly string[]): string {
  const full = [visible, ...parts].join('-');
  const cut = cutVisible(visible, budget - HASH_LENGTH - 1);
  return `${cut}-${shortHash(full)}`;
}

/** hashName(visible, ...parts): names of ModelReplicas and ModelEndpoints. */
export function hashName(visible: string, ...parts: string[]): string {
  return hashNameWithin(MAX_NAME, visible, parts);
}

/** Sanitise `visible` into a DNS label prefix: lowercase, [a-z0-9-] only, starting with a letter. */
function sanitise(visible: string): string {
  let s = visible.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(s)) s = `m${s}`;
  return s;
}

/**
 * Names of objects on the inference cluster. The hash covers the raw `parts` (not the sanitised
 * visible text), so inputs that sanitise alike still get different names.
 */
export function remoteName(visible: string, budget: number, ...parts: string[]): string {
  return hashNameWithin(Math.min(budget, MAX_NAME), sanitise(visible), parts);
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function isValidLabelValue(s: string): boolean {
  return s.length <= MAX_NAME && LABEL_VALUE.test(s);
}

/** A label value for a user-chosen name: the name itself when valid, else a hashed stand-in. */
export function labelValue(s: string): string {
  return isValidLabelValue(s) ? s : remoteName(s, MAX_NAME, s);
}

/** Budget for LeaderWorkerSet names: the LWS controller derives longer names from them. */
export const LWS_NAME_BUDGET = 49;
export const NAME_BUDGET = MAX_NAME;
