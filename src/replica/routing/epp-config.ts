// The endpoint picker's configuration under PrefillDecode: prefill then decode, prefix-cache aware.
// The text is written out literally (not serialised from an object) because its sha256 rolls the
// endpoint picker: it must change exactly when the configuration does.
import { createHash } from 'node:crypto';
import { LruCache } from '../../lru.js';
import { BLOCK_SIZE_BOUNDS, BLOCK_SIZE_FLAGS, quoteValue, readIntegerFlag } from '../flags.js';
import { servingMember, type EngineView } from '../replica.js';

export const EPP_CONFIG_FILE = 'epp-config.yaml';

/** vLLM's default KV-cache block size, used when neither the spec nor the flags say otherwise. */
export const DEFAULT_KV_BLOCK_SIZE = 16;

/**
 * Why each part is there: the producer must be explicit because the decider reads what it
 * produces; with `autoTune: true` the block size stays 0 and nothing is produced; without
 * `nonCachedTokens` the decider never disaggregates.
 */
function configText(kvBlockSize: number): string {
  return `apiVersion: llm-d.ai/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: approx-prefix-cache-producer
  parameters:
    autoTune: false
    blockSizeTokens: ${kvBlockSize}
    maxPrefixBlocksToMatch: 256
    lruCapacityPerServer: 31250
- type: prefix-cache-scorer
- type: disagg-headers-handler
- type: queue-scorer
- type: prefill-filter
- type: decode-filter
- type: max-score-picker
- type: prefix-based-pd-decider
  parameters:
    nonCachedTokens: 16
- type: disagg-profile-handler
  parameters:
    deciders:
      prefill: prefix-based-pd-decider
schedulingProfiles:
- name: prefill
  plugins:
  - pluginRef: prefill-filter
  - pluginRef: max-score-picker
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: queue-scorer
    weight: 1
- name: decode
  plugins:
  - pluginRef: decode-filter
  - pluginRef: max-score-picker
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: queue-scorer
    weight: 1
`;
}

export interface EndpointPickerConfig {
  text: string;
  /** sha256 of the text, in hex. */
  checksum: string;
}

/**
 * The configuration for a KV block size, and its checksum. Made once per block size: a fleet uses a
 * handful, and every PrefillDecode call needs one (a sha256 costs more than the rest of the picker).
 */
export function endpointPickerConfig(kvBlockSize: number): EndpointPickerConfig {
  let config = configs.get(kvBlockSize);
  if (config === undefined) {
    const text = configText(kvBlockSize);
    config = Object.freeze({ text, checksum: createHash('sha256').update(text, 'utf8').digest('hex') });
    configs.set(kvBlockSize, config);
  }
  return config;
}

const CONFIGS_KEPT = 64;
const configs = new LruCache<number, EndpointPickerConfig>(CONFIGS_KEPT);

export interface KvBlockSizeChoice {
  value: number;
  /** Set when a block-size flag was present but unreadable, so the default stands in for it. */
  warning?: string;
}

/**
 * The engines' KV block size: spec.serving.kvBlockSize when set; else the decode engine's
 * --block-size (vLLM) or --page-size (SGLang), read from the leader's container for a gang; else 16.
 * A wrong value routes worse without failing, so an unreadable flag is said out loud.
 */
export function chooseKvBlockSize(specValue: number | undefined, decode: EngineView): KvBlockSizeChoice {
  if (specValue !== undefined) return { value: specValue };
  const flag = readIntegerFlag(servingMember(decode).container, BLOCK_SIZE_FLAGS, BLOCK_SIZE_BOUNDS);
  if (flag.kind === 'value') return { value: flag.value };
  if (flag.kind === 'absent') return { value: DEFAULT_KV_BLOCK_SIZE };
  return {
    value: DEFAULT_KV_BLOCK_SIZE,
    warning:
      `engine "${decode.name}" sets ${flag.flag} ${quoteValue(flag.raw)}, which is not a block size from ` +
      `${BLOCK_SIZE_BOUNDS.min} to ${BLOCK_SIZE_BOUNDS.max}; the endpoint picker hashes prefixes in blocks of ` +
      `${DEFAULT_KV_BLOCK_SIZE} tokens: fix the flag or set spec.serving.kvBlockSize`,
  };
}
