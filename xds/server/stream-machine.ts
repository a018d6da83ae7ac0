/**
 * The pure protocol logic of one ADS stream, free of grpc I/O: the stream driver feeds it requests and
 * snapshot changes, and carries out the steps it returns (write the pushes, report ACKs and NACKs).
 */
import type { ChangedNames, EncodedResource, GroupSnapshot } from '../cache/config-watcher.js';
import type { ResourceTypeUrl } from '../protos/envoy-protos.js';
import { PUSH_ORDER, RESOURCE_TYPES } from '../protos/envoy-protos.js';
import type { AckTracker, Verdict } from './ack-tracker.js';
import type { AdsNackInfo } from './connection.js';

/** One response to write. SotW uses `resources` only; Delta sends changed resources and removals. */
export interface Push {
  readonly typeUrl: ResourceTypeUrl;
  readonly nonce: string;
  /** SotW `version_info`, Delta `system_version_info`. */
  readonly version: string;
  readonly resources: readonly EncodedResource[];
  readonly removed: readonly string[];
  /**
   * SotW: `resources` are all of a cache snapshot's type (this object, immutable), as every stream at
   * that version sends them; their encoding is then shared by those streams (shared-encoding.ts).
   */
  readonly shared?: object;
}

/** An ACK seen on the stream; `covers` as in the ack Verdict (Delta: what the ACKed response touched). */
export interface AckNote {
  readonly typeUrl: string;
  readonly version: string;
  readonly covers?: readonly string[];
}

export interface Step {
  readonly pushes: readonly Push[];
  readonly acks: ReadonlyArray<AckNote>;
  readonly nacks: ReadonlyArray<{ readonly typeUrl: string; readonly nack: AdsNackInfo }>;
}

export interface StreamMachine<Req> {
  /** `req.type_url` is a served type (the driver checks). */
  onRequest(req: Req, snapshot: GroupSnapshot): Step;
  /** `names`: per changed type, the names that changed (absent for a type: it may have changed anywhere). */
  onChange(snapshot: GroupSnapshot, changed: ReadonlySet<ResourceTypeUrl>, names?: ChangedNames): Step;
  /** Sends removals held back for make-before-break if allowed now, or regardless when `force` (timeout). */
  releaseHeld(snapshot: GroupSnapshot, force: boolean): Step;
  /** True while some removal is held back. */
  hasHeld(): boolean;
  /**
   * Delta: the names subscribed to, over all types (they accumulate over requests). Absent for SotW,
   * whose every request replaces its type's names (bounded by the message size).
   */
  subscriptionSize?(): { readonly names: number; readonly chars: number };
  readonly acks: AckTracker;
}

export class StepBuilder {
  readonly pushes: Push[] = [];
  readonly acks: AckNote[] = [];
  readonly nacks: Array<{ typeUrl: string; nack: AdsNackInfo }> = [];

  verdict(typeUrl: string, verdict: Verdict): void {
    if (verdict.kind === 'ack')
      this.acks.push({
        typeUrl,
        version: verdict.version,
        ...(verdict.covers ? { covers: verdict.covers } : {}),
      });
    else if (verdict.kind === 'nack') this.nacks.push({ typeUrl, nack: verdict.nack });
  }

  add(step: Step): void {
    this.pushes.push(...step.pushes);
    this.acks.push(...step.acks);
    this.nacks.push(...step.nacks);
  }

  build(): Step {
    return { pushes: this.pushes, acks: this.acks, nacks: this.nacks };
  }
}

/** Stable sort of pushes by PUSH_ORDER (used when several queued requests are answered at once). */
export function inPushOrder(pushes: readonly Push[]): Push[] {
  return pushes
    .map((p, i) => ({ p, i }))
    .sort((a, b) => PUSH_ORDER.indexOf(a.p.typeUrl) - PUSH_ORDER.indexOf(b.p.typeUrl) || a.i - b.i)
    .map(({ p }) => p);
}

/** Listeners and clusters: an empty initial subscription means "everything" (wildcard). */
export const WILDCARD_TYPES: ReadonlySet<string> = new Set<string>([
  RESOURCE_TYPES.cluster,
  RESOURCE_TYPES.listener,
]);
