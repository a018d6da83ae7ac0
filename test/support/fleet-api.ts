/**
 * Reads the connected gateways from a controller's admin API (`/api/gateways`, the fleet view by group),
 * flattened to one list.
 */
export interface ConnectedGateway {
  readonly nodeId: string;
  readonly group: string;
  /** Unique within the controller process. */
  readonly streamId: string;
  readonly connectedAt: string;
}

type Row = { nodeId: string; group: string; streamId: string; connectedAt: string };

export async function connectedGateways(adminPort: number): Promise<ConnectedGateway[]> {
  const r = await fetch(`http://127.0.0.1:${adminPort}/api/gateways`);
  if (!r.ok) throw new Error(`/api/gateways answered ${r.status}`);
  const body = (await r.json()) as { groups: Array<{ gateways: Row[] }> };
  return body.groups
    .flatMap((g) => g.gateways)
    .map((g) => ({ nodeId: g.nodeId, group: g.group, streamId: g.streamId, connectedAt: g.connectedAt }));
}
