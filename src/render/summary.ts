// The human half of render: what was decided and why, for stderr.
import { Severity, Status, type RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import type { KubeObject, PlacementStatus, UnschedulableStatus } from '../api/types.js';
import type { LoopOutcome } from './requirements-loop.js';

const SEVERITY_NAME: Record<number, string> = {
  [Severity.SEVERITY_FATAL]: 'Fatal',
  [Severity.SEVERITY_WARNING]: 'Warning',
  [Severity.SEVERITY_NORMAL]: 'Normal',
};

const STATUS_NAME: Record<number, string> = {
  [Status.STATUS_CONDITION_TRUE]: 'True',
  [Status.STATUS_CONDITION_FALSE]: 'False',
  [Status.STATUS_CONDITION_UNKNOWN]: 'Unknown',
};

/** Left-aligned columns, two spaces apart. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}

function placementRows(placements: PlacementStatus[]): string[][] {
  const rows = [['REPLICA', 'CLUSTER', 'ENGINE → POOL', 'NODES', 'READY']];
  for (const p of placements) {
    const engines = p.engines.length ? p.engines : [{ name: '-', pool: '-', nodes: 0 }];
    engines.forEach((e, i) => {
      rows.push([i === 0 ? p.replica : '', i === 0 ? p.cluster : '', `${e.name} → ${e.pool}`, String(e.nodes), i === 0 ? String(p.ready) : '']);
    });
  }
  return rows;
}

export function summarise(xr: KubeObject, outcome: LoopOutcome): string {
  const rsp: RunFunctionResponse = outcome.response;
  const status = (rsp.desired?.composite?.resource?.status ?? {}) as {
    placements?: PlacementStatus[];
    unschedulable?: UnschedulableStatus[];
    path?: string;
    engines?: { name: string; workload: string; ready: boolean }[];
  };
  const lines: string[] = [];
  const where = xr.metadata?.namespace ? `${xr.metadata.namespace}/` : '';
  lines.push(`${xr.kind} ${where}${xr.metadata?.name ?? '?'} (${outcome.calls} function call${outcome.calls === 1 ? '' : 's'})`);
  if (rsp.conditions.length) {
    lines.push(...table(rsp.conditions.map((c) => ['  ' + c.type, STATUS_NAME[c.status] ?? '?', c.reason, c.message ?? ''])));
  }
  if (status.placements?.length) {
    lines.push('', ...table(placementRows(status.placements)).map((l) => '  ' + l));
  }
  if (status.unschedulable?.length) {
    lines.push('', '  Why more replicas could not be placed:');
    for (const u of status.unschedulable) lines.push(`    ${u.cluster}: ${u.reason}`);
  }
  if (status.engines?.length) {
    lines.push('', ...table([['ENGINE', 'WORKLOAD', 'READY'], ...status.engines.map((e) => [e.name, e.workload, String(e.ready)])]).map((l) => '  ' + l));
  }
  if (status.path) lines.push(`  path: ${status.path}`);
  if (rsp.results.length) {
    lines.push('', '  Events:');
    for (const r of rsp.results) lines.push(`    ${SEVERITY_NAME[r.severity] ?? '?'}  ${r.message}`);
  }
  return lines.join('\n') + '\n';
}
