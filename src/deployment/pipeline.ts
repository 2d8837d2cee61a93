// The ModelDeployment composition (scheduling.md): check the XR against its XRD, read it and the
// fleet, schedule, compose ModelReplicas and ModelEndpoints, report status. Whenever an input is
// missing, unresolved or invalid, the observed composed resources are kept and the problem is
// reported instead, because Crossplane deletes whatever a function stops returning.
import { compositeViolations, describeViolation } from '../api/schema.js';
import type { KubeObject } from '../api/types.js';
import type { CompositionRequest, CompositionResponse, DesiredResource } from '../composition.js';
import { holdObserved } from '../k8s/observed.js';
import { composeHeldEndpoints, composeSchedule } from './compose.js';
import { buildClusterViews } from './clusters.js';
import { foreignCharges, isModelReplica, readObservedReplicas } from './existing.js';
import { describeInvalidNodeSelector, findInvalidNodeSelectors } from './node-selectors.js';
import { readDeployment } from './read-deployment.js';
import { deploymentRequirements, resolvedInputs } from './requirements.js';
import { schedule } from './scheduler/schedule.js';
import { compileClusterSelector, formatClusterSelector } from './selector.js';
import {
  heldStatus,
  holdReport,
  invalidNodeSelectorMessage,
  invalidSpecMessage,
  malformedClusterWarnings,
  malformedReplicaWarnings,
  noClustersMessage,
  scheduleReport,
  type Report,
  warning,
} from './status.js';
import { isRecord } from '../values.js';

type Outcome = Report & { desired: Record<string, DesiredResource> };

function fatal(message: string, observed: Record<string, KubeObject>): Outcome {
  // Crossplane keeps the previous state on a Fatal result; the held resources are a second guard.
  return { desired: holdObserved(observed), status: {}, conditions: [], results: [{ severity: 'Fatal', message }] };
}

function compose(req: CompositionRequest, observed: Record<string, KubeObject>): Outcome {
  if (!isRecord(req.composite)) return fatal('request has no observed composite resource', observed);
  const composite = req.composite;
  const reading = readDeployment(composite);
  if (reading.kind === 'fatal') return fatal(`invalid ModelDeployment: ${reading.problem}`, observed);

  const inputs = resolvedInputs(req.required);
  if (inputs === undefined) {
    // Crossplane has not fetched the fleet yet; it calls again once it has. Nothing to report.
    return { desired: holdObserved(observed), status: heldStatus(composite), conditions: [], results: [] };
  }

  const existing = readObservedReplicas(observed);
  const kept = existing.length;
  const hold = (reason: string, message: string, extra?: Report['results'], invalidPaths?: string[]): Outcome => ({
    desired: holdObserved(observed),
    ...holdReport(composite, reason, message, extra, invalidPaths),
  });

  // The XRD before the pipeline's own reading: a ModelDeployment it would reject (stored under an
  // older or relaxed XRD, or rendered locally) is held, and its violations are the clearest account
  // of what is wrong.
  const violations = compositeViolations(composite);
  if (violations.length > 0) {
    const message = invalidSpecMessage(violations.map(describeViolation), kept);
    return hold('InvalidSpec', message, [], violations.map((v) => v.path));
  }
  if (reading.kind === 'invalidSpec') return hold('InvalidSpec', invalidSpecMessage(reading.problems, kept));
  const { identity, spec } = reading;

  const selector = compileClusterSelector(spec.clusterSelector);
  if (!selector.ok) return hold('InvalidSpec', invalidSpecMessage(selector.problems, kept));

  const [firstInvalid, ...otherInvalid] = findInvalidNodeSelectors(spec);
  if (firstInvalid !== undefined) {
    const others = otherInvalid.map((s) => warning('InvalidNodeSelector', describeInvalidNodeSelector(s)));
    return hold('InvalidNodeSelector', invalidNodeSelectorMessage(describeInvalidNodeSelector(firstInvalid), kept), others);
  }

  const clusters = buildClusterViews(inputs.clusters, selector.matches);
  if (!clusters.some((c) => c.selected)) {
    const replicas = Object.fromEntries(Object.entries(observed).filter(([, object]) => isModelReplica(object)));
    return {
      desired: { ...holdObserved(replicas), ...composeHeldEndpoints(identity, existing, clusters, observed) },
      ...holdReport(composite, 'NoClusters', noClustersMessage(formatClusterSelector(spec.clusterSelector), clusters.length, kept)),
    };
  }

  const foreign = foreignCharges(inputs.replicas, existing, identity.namespace);
  const output = schedule({
    deployment: identity,
    spec,
    clusters,
    existing,
    foreignCharges: foreign.charges,
  });
  const composition = composeSchedule(identity, output.replicas, clusters, observed, existing);
  const problems = [...malformedClusterWarnings(clusters), ...malformedReplicaWarnings(foreign.warnings)];
  return { desired: composition.desired, ...scheduleReport(spec, output, composition.replicas, problems) };
}

/** The ModelDeployment pipeline. Never throws: every path returns a response. */
export function runModelDeployment(req: CompositionRequest): CompositionResponse {
  const requirements = deploymentRequirements();
  // Only objects can be kept; anything else under a key is not a resource this function could return.
  const observed = Object.fromEntries(
    Object.entries(isRecord(req?.observed) ? req.observed : {}).filter(([, object]) => isRecord(object)),
  ) as Record<string, KubeObject>;
  try {
    return { ...compose(req, observed), requirements };
  } catch (error) {
    // A defect, not bad input. A Fatal result makes Crossplane keep everything as it is.
    const message = error instanceof Error ? error.message : String(error);
    return { ...fatal(`internal error composing the ModelDeployment: ${message}`, observed), requirements };
  }
}
