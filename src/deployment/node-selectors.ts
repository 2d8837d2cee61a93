// Every device selector of the deployment must compile before anything is scheduled: a typo in one
// CEL expression must hold the deployment as it is (scheduling.md, "When input is bad or missing"),
// not make every pool look unsuitable and move or drop running replicas.
import type { ModelDeploymentSpec, Role } from '../api/types.js';
import { compileSelector } from '../cel/index.js';

export interface InvalidNodeSelector {
  engine: string;
  role: Role;
  request: string;
  /** 0-based position in the request's selectors. */
  index: number;
  /** The compiler's message. */
  message: string;
}

/** Every selector that does not compile, in spec order. */
export function findInvalidNodeSelectors(spec: ModelDeploymentSpec): InvalidNodeSelector[] {
  const invalid: InvalidNodeSelector[] = [];
  for (const engine of spec.engines) {
    for (const member of engine.members) {
      for (const request of member.nodeSelector?.devices ?? []) {
        (request.selectors ?? []).forEach((selector, index) => {
          const compiled = compileSelector(selector.cel);
          if (!compiled.ok) {
            invalid.push({
              engine: engine.name,
              role: member.role ?? 'Standalone',
              request: request.name,
              index,
              message: compiled.message,
            });
          }
        });
      }
    }
  }
  return invalid;
}

/** `engine "{e}" member {role} request "{req}" selector {i} (0-based): {compiler message}` */
export function describeInvalidNodeSelector(invalid: InvalidNodeSelector): string {
  return `engine "${invalid.engine}" member ${invalid.role} request "${invalid.request}" selector ${invalid.index} (0-based): ${invalid.message}`;
}
