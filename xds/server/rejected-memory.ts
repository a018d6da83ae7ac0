/**
 * What each node rejected, across its streams: per (group, node id, type URL), the content of the last
 * response it NACKed (resource name -> resource version) and the NACK. Forgotten when the node ACKs the
 * type.
 *
 * Within a stream the machines never send the same content twice. This memory covers the reconnect: a
 * gateway that reconnects (same Envoy process, keeping its last accepted config) would otherwise be sent
 * the rejected content again and NACK it again, on every reconnect. A machine consults it on a stream's
 * first request of a type only when the client says it runs some config (a SotW `version_info`, Delta
 * `initial_resource_versions`); a fresh Envoy process (nothing to say) is sent everything, because Envoy
 * applies the valid resources of a response it rejects and a new process has nothing else.
 *
 * The memory lives in the server process: after a controller restart a reconnecting gateway is sent the
 * rejected content once more. Bounded: beyond `maxEntries` the oldest entries go.
 */
import type { AdsConnection, AdsNackInfo } from './connection.js';

export interface RejectedContent {
  /** The type version of the rejected response. */
  readonly version: string;
  /** name -> resource version, of the resources the rejected response carried. */
  readonly resources: ReadonlyMap<string, string>;
  readonly nack: AdsNackInfo;
}

/** The memory as one stream's machine sees it: bound to the stream's node, once it is identified. */
export interface NodeRejections {
  recall(typeUrl: string): RejectedContent | undefined;
  remember(typeUrl: string, content: RejectedContent): void;
  forget(typeUrl: string): void;
}

export const DEFAULT_MAX_REJECTED_ENTRIES = 10_000;

export class RejectedMemory {
  /** Insertion order = age (re-inserted on update). */
  private readonly entries = new Map<string, RejectedContent>();

  constructor(private readonly maxEntries = DEFAULT_MAX_REJECTED_ENTRIES) {}

  recall(group: string, nodeId: string, typeUrl: string): RejectedContent | undefined {
    return this.entries.get(key(group, nodeId, typeUrl));
  }

  remember(group: string, nodeId: string, typeUrl: string, content: RejectedContent): void {
    const k = key(group, nodeId, typeUrl);
    this.entries.delete(k);
    this.entries.set(k, content);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  forget(group: string, nodeId: string, typeUrl: string): void {
    this.entries.delete(key(group, nodeId, typeUrl));
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The view of one stream: `conn()` is its identity once known. Nodes without an id are not
   * remembered (two of them could not be told apart).
   */
  forStream(conn: () => Pick<AdsConnection, 'nodeId' | 'group'> | undefined): NodeRejections {
    const node = (): Pick<AdsConnection, 'nodeId' | 'group'> | undefined => {
      const c = conn();
      return c && c.nodeId !== '' ? c : undefined;
    };
    return {
      recall: (typeUrl) => {
        const c = node();
        return c ? this.recall(c.group, c.nodeId, typeUrl) : undefined;
      },
      remember: (typeUrl, content) => {
        const c = node();
        if (c) this.remember(c.group, c.nodeId, typeUrl, content);
      },
      forget: (typeUrl) => {
        const c = node();
        if (c) this.forget(c.group, c.nodeId, typeUrl);
      },
    };
  }
}

function key(group: string, nodeId: string, typeUrl: string): string {
  return `${group}\n${nodeId}\n${typeUrl}`;
}

/** True when `current` (name -> resource with version) holds exactly the rejected content. */
export function isRejectedContent(
  current: ReadonlyMap<string, { readonly version: string }>,
  rejected: RejectedContent,
): boolean {
  if (current.size !== rejected.resources.size) return false;
  for (const [name, version] of rejected.resources) if (current.get(name)?.version !== version) return false;
  return true;
}
