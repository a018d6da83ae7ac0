/**
 * Per stream and per type: which response was sent last (its nonce and version), and what the client
 * said about it. Classifies each request by its `response_nonce`, the same way for SotW and Delta:
 *
 * - no nonce, or nothing sent yet for the type on this stream (e.g. a nonce from a previous stream):
 *   `none`, a plain request;
 * - the latest nonce, first answer to it: `ack`, or `nack` when `error_detail` is set;
 * - the latest nonce again (e.g. a SotW request changing `resource_names`): `none`;
 * - any other nonce: `stale` (a newer response is on its way to the client).
 */
import type { AdsNackInfo, AdsTypeAcks, PushState } from './connection.js';
import type { RpcStatus } from './discovery-messages.js';
import { PUSH_ORDER } from '../protos/envoy-protos.js';

export type Verdict =
  | { readonly kind: 'none' }
  | { readonly kind: 'stale' }
  | {
      readonly kind: 'ack';
      readonly version: string;
      /**
       * Delta: the resources the ACKed response updated or removed (the ACK says nothing about the
       * others). Absent for SotW, whose response is the whole state of the type.
       */
      readonly covers?: readonly string[];
    }
  | { readonly kind: 'nack'; readonly nack: AdsNackInfo };

interface TypeRecord {
  /** Undefined when nothing was sent on this stream (see recordKnown). */
  nonce: string | undefined;
  sentVersion: string;
  sentNames: readonly string[];
  /** Delta only: the names removed by the latest response. */
  removedNames?: readonly string[];
  /** When it was sent (ms). */
  sentAt: number;
  /** While pending: when the first response still unanswered was sent (ms). */
  pendingSince?: number;
  ackedVersion?: string;
  state: PushState;
  lastNack?: AdsNackInfo;
}

const NONE: Verdict = { kind: 'none' };
const STALE: Verdict = { kind: 'stale' };

export class AckTracker {
  private readonly records = new Map<string, TypeRecord>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * `removedNames` is given by Delta streams (an incremental response: updates plus removals); SotW
   * responses carry the whole state and leave it out.
   */
  recordPush(
    typeUrl: string,
    nonce: string,
    version: string,
    resourceNames: readonly string[],
    removedNames?: readonly string[],
  ): void {
    const previous = this.records.get(typeUrl);
    this.records.set(typeUrl, {
      nonce,
      sentVersion: version,
      sentNames: resourceNames,
      ...(removedNames ? { removedNames } : {}),
      sentAt: this.now(),
      pendingSince: previous?.state === 'pending' ? (previous.pendingSince ?? previous.sentAt) : this.now(),
      state: 'pending',
      ...(previous?.ackedVersion !== undefined ? { ackedVersion: previous.ackedVersion } : {}),
      ...(previous?.lastNack ? { lastNack: previous.lastNack } : {}),
    });
  }

  /**
   * Notes that the client already has `version` without anything being sent: a reconnecting client
   * whose first request carried the current version.
   */
  recordKnown(typeUrl: string, version: string): void {
    const previous = this.records.get(typeUrl);
    this.records.set(typeUrl, {
      nonce: undefined,
      sentVersion: version,
      sentNames: [],
      sentAt: this.now(),
      ackedVersion: version,
      state: 'acked',
      ...(previous?.lastNack ? { lastNack: previous.lastNack } : {}),
    });
  }

  /**
   * Notes that the client, reconnecting, runs `ackedVersion` (when it told one) and already rejected the
   * current content on an earlier stream (see rejected-memory.ts): nothing is sent, the type stays nacked.
   */
  recordRejected(typeUrl: string, nack: AdsNackInfo, ackedVersion?: string): void {
    this.records.set(typeUrl, {
      nonce: undefined,
      sentVersion: nack.version,
      sentNames: [],
      sentAt: this.now(),
      state: 'nacked',
      lastNack: nack,
      ...(ackedVersion ? { ackedVersion } : {}),
    });
  }

  onRequest(typeUrl: string, responseNonce: string, errorDetail: RpcStatus | null): Verdict {
    const record = this.records.get(typeUrl);
    if (!record || record.nonce === undefined || responseNonce === '') return NONE;
    if (responseNonce !== record.nonce) return STALE;
    if (record.state !== 'pending') return NONE;
    if (errorDetail) {
      const nack: AdsNackInfo = {
        version: record.sentVersion,
        message: errorDetail.message,
        resourceNames: record.sentNames,
        at: new Date(this.now()).toISOString(),
      };
      record.state = 'nacked';
      record.lastNack = nack;
      return { kind: 'nack', nack };
    }
    record.state = 'acked';
    record.ackedVersion = record.sentVersion;
    return record.removedNames
      ? { kind: 'ack', version: record.sentVersion, covers: [...record.sentNames, ...record.removedNames] }
      : { kind: 'ack', version: record.sentVersion };
  }

  /** The resource names of the latest response sent for the type. */
  sentNames(typeUrl: string): readonly string[] {
    return this.records.get(typeUrl)?.sentNames ?? [];
  }

  state(typeUrl: string): PushState {
    return this.records.get(typeUrl)?.state ?? 'none';
  }

  /** Every type a response was sent for, in push order. */
  info(): AdsTypeAcks[] {
    const order = (t: string): number => {
      const i = PUSH_ORDER.indexOf(t as (typeof PUSH_ORDER)[number]);
      return i < 0 ? PUSH_ORDER.length : i;
    };
    return [...this.records.entries()]
      .sort(([a], [b]) => order(a) - order(b) || (a < b ? -1 : 1))
      .map(([typeUrl, r]) => ({
        typeUrl,
        sentVersion: r.sentVersion,
        state: r.state,
        sentAt: new Date(r.sentAt).toISOString(),
        ...(r.state === 'pending' && r.pendingSince !== undefined
          ? { pendingSince: new Date(r.pendingSince).toISOString() }
          : {}),
        ...(r.ackedVersion !== undefined ? { ackedVersion: r.ackedVersion } : {}),
        ...(r.lastNack ? { lastNack: r.lastNack } : {}),
      }));
  }
}
