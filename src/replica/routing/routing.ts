// What a serving mode makes of the composed workloads: the decorated workloads, the serving
// objects around them, and the warnings the user should see. Or a refusal, when the engines'
// flags make the mode impossible; the replica then keeps what exists.
import type { ComposedManifest } from '../manifests.js';
import type { ComposedWorkload } from '../workloads/workload.js';

/** A problem the user should fix that does not stop composing; becomes a Warning result. */
export interface RoutingWarning {
  reason: string;
  message: string;
}

export type RoutingOutcome =
  | { ok: true; workloads: ComposedWorkload[]; resources: ComposedManifest[]; warnings: RoutingWarning[] }
  | { ok: false; message: string };
