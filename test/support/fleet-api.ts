/**
 * Reads the connected gateways from a controller's admin API (`/api/gateways`), flattened to one list,
 * whatever its shape (a list of connections, or the fleet view by group).
 */
export interface ConnectedGateway {
  readonly nodeId: string;
  readonly group: string;
  /** Unique within the controller process (`streamId` in the fleet view, `id` in a connection list). */
  readonly streamId: string;
  readonly connectedAt: string;
}

type Row = { nodeId: string; group: string; streamId?: string; id?: string; connectedAt: string };

export async function connectedGateways(adminPort: number): Promise<ConnectedGateway[]> {
  const r = await fetch(`http://127.0.0.1:${adminPort}/api/gateways`);
  if (!r.ok) throw new Error(`/api/gateways answered ${r.status}`);
  const body = (await r.json()) as Row[] | { groups: Array<{ gateways: Row[] }> };
  const rows = Array.isArray(body) ? body : body.groups.flatMap((g) => g.gateways);
  return rows.map((g) => ({
    nodeId: g.nodeId,
    group: g.group,
    streamId: g.streamId ?? g.id ?? '',
    connectedAt: g.connectedAt,
  }));
}
