/**
 * The grpc I/O of one ADS stream, SotW or Delta alike: identifies the node from the first request,
 * holds requests until the config watcher is ready, follows the group's snapshot, runs the protocol
 * state machine and writes what it decides, reports events, and closes the stream with an error status
 * (never the server) when a request is malformed or something throws.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { ConfigWatcher, GroupSnapshot } from '../cache/config-watcher.js';
import { PUSH_ORDER } from '../protos/envoy-protos.js';
import type { AdsLogger } from './ads-logger.js';
import type { AdsConnection, AdsConnectionInfo, AdsEvents, StreamKind } from './connection.js';
import type { NodeInfo } from './discovery-messages.js';
import { nodeIdentity } from './node-identity.js';
import type { NonceSource } from './nonce.js';
import type { RejectedMemory } from './rejected-memory.js';
import type { Push, Step, StreamMachine } from './stream-machine.js';
import { StepBuilder, inPushOrder } from './stream-machine.js';

export const DEFAULT_GROUP = 'default';

/** What a stream needs from its server. */
export interface StreamContext {
  readonly watcher: ConfigWatcher;
  readonly events: AdsEvents;
  readonly logger: AdsLogger;
  /** How long removals may be held back for make-before-break before they are sent anyway. */
  readonly holdRemovalsMs: number;
  readonly now: () => number;
  readonly nextId: () => string;
  readonly nextNonce: NonceSource;
  /** What each node rejected across its streams: a reconnect is not sent rejected content again. */
  readonly rejected?: RejectedMemory;
}

/** What differs between SotW and Delta. */
export interface StreamProtocol<Req, Res> {
  readonly kind: StreamKind;
  /** `conn` is the stream's identity once its first request named the node. */
  createMachine(ctx: StreamContext, conn: () => AdsConnection | undefined): StreamMachine<Req>;
  toWire(push: Push): Res;
}

type BaseRequest = { readonly node: NodeInfo | null; readonly type_url: string };

const SERVED_TYPES: ReadonlySet<string> = new Set(PUSH_ORDER);

function statusError(code: status, details: string): Error & { code: status; details: string } {
  return Object.assign(new Error(details), { code, details });
}

export class AdsStream<Req extends BaseRequest, Res> {
  private readonly machine: StreamMachine<Req>;
  private readonly id: string;
  private readonly peer: string;
  private readonly connectedAt: string;
  private conn: AdsConnection | undefined;
  private ready = false;
  private readonly queue: Req[] = [];
  private unsubscribe: (() => void) | undefined;
  private holdTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly warnedTypes = new Set<string>();
  private readonly closeHandlers: Array<() => void> = [];

  constructor(
    private readonly call: ServerDuplexStream<Req, Res>,
    private readonly protocol: StreamProtocol<Req, Res>,
    private readonly ctx: StreamContext,
  ) {
    this.machine = protocol.createMachine(ctx, () => this.conn);
    this.id = ctx.nextId();
    this.peer = call.getPeer();
    this.connectedAt = new Date(ctx.now()).toISOString();
    call.on('data', (req: Req) => this.guard(() => this.onRequest(req)));
    call.on('end', () => this.end(status.OK, 'client closed the stream'));
    call.on('cancelled', () => this.cleanup());
    call.on('finish', () => this.cleanup());
    call.on('close', () => this.cleanup());
    call.on('error', (err: Error) => {
      this.ctx.logger.debug({ ...this.logContext(), err: err.message }, 'ads stream error');
      this.cleanup();
    });
    if (ctx.watcher.isReady()) this.ready = true;
    else
      ctx.watcher.whenReady().then(
        () => this.guard(() => this.onReady()),
        (err: unknown) =>
          this.guard(() => {
            throw err;
          }),
      );
  }

  /** Registers a function called once when the stream is gone. */
  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  /** The node's identity, once its first request arrived. */
  connection(): AdsConnection | undefined {
    return this.conn;
  }

  /**
   * The registry view of the stream, once identified. A type is `upToDate` when the stream follows its
   * group, has no work waiting and holds nothing back: the snapshot watcher notifies synchronously, so
   * the machine then saw the current snapshot and found nothing more to send.
   */
  info(): AdsConnectionInfo | undefined {
    if (!this.conn) return undefined;
    const settled = this.unsubscribe !== undefined && this.queue.length === 0 && !this.machine.hasHeld();
    return {
      ...this.conn,
      types: this.machine.acks.info().map((t) => ({ ...t, upToDate: settled })),
      draining: false,
    };
  }

  /** Ends the stream with a status (the client then reconnects); used on server shutdown. */
  end(code: status, details: string): void {
    if (this.closed) return;
    if (code === status.OK) this.call.end();
    else this.call.emit('error', statusError(code, details));
    this.cleanup();
  }

  private onRequest(req: Req): void {
    if (this.closed) return;
    if (!this.conn) this.identify(req.node);
    if (req.type_url === '') {
      this.fail(status.INVALID_ARGUMENT, 'request without type_url');
      return;
    }
    if (!SERVED_TYPES.has(req.type_url)) {
      if (!this.warnedTypes.has(req.type_url)) {
        this.warnedTypes.add(req.type_url);
        this.ctx.logger.warn(
          { ...this.logContext(), typeUrl: req.type_url },
          'ads request for a type not served; ignored',
        );
      }
      return;
    }
    if (!this.ready) {
      this.queue.push(req);
      return;
    }
    this.follow();
    this.carryOut(this.machine.onRequest(req, this.snapshot()));
  }

  private onReady(): void {
    if (this.closed || this.ready) return;
    this.ready = true;
    if (this.queue.length === 0) return;
    this.follow();
    const step = new StepBuilder();
    for (const req of this.queue.splice(0)) step.add(this.machine.onRequest(req, this.snapshot()));
    this.carryOut(step.build());
  }

  private identify(node: NodeInfo | null): void {
    const conn: AdsConnection = {
      id: this.id,
      stream: this.protocol.kind,
      peer: this.peer,
      nodeId: node?.id ?? '',
      group: node?.cluster || DEFAULT_GROUP,
      ...nodeIdentity(node, this.peer),
      connectedAt: this.connectedAt,
    };
    this.conn = Object.freeze(conn);
    this.ctx.logger.info(this.logContext(), 'ads stream opened');
    this.hook('onStreamOpen', () => this.ctx.events.onStreamOpen?.(conn));
  }

  /** Subscribes to the group's snapshot changes (once, when ready and identified). */
  private follow(): void {
    if (this.unsubscribe || !this.conn) return;
    this.unsubscribe = this.ctx.watcher.subscribe(this.conn.group, (snapshot, changed) =>
      this.guard(() => {
        if (!this.closed) this.carryOut(this.machine.onChange(snapshot, changed));
      }),
    );
  }

  private snapshot(): GroupSnapshot {
    return this.ctx.watcher.snapshot(this.conn?.group ?? DEFAULT_GROUP);
  }

  private carryOut(step: Step): void {
    const conn = this.conn;
    if (!conn || this.closed) return;
    for (const { typeUrl, version } of step.acks) {
      this.ctx.logger.debug({ ...this.logContext(), typeUrl, version }, 'ads ack');
      this.hook('onAck', () => this.ctx.events.onAck?.(conn, typeUrl, version));
    }
    for (const { typeUrl, nack } of step.nacks) {
      this.ctx.logger.warn(
        {
          ...this.logContext(),
          typeUrl,
          version: nack.version,
          error: nack.message,
          resources: nack.resourceNames,
        },
        'ads nack: the gateway rejected a configuration',
      );
      this.hook('onNack', () =>
        this.ctx.events.onNack?.(conn, typeUrl, nack.version, nack.message, nack.resourceNames),
      );
    }
    for (const push of inPushOrder(step.pushes)) {
      this.call.write(this.protocol.toWire(push));
      const bytes = push.resources.reduce((n, r) => n + r.value.byteLength, 0);
      this.ctx.logger.debug(
        {
          ...this.logContext(),
          typeUrl: push.typeUrl,
          version: push.version,
          nonce: push.nonce,
          resources: push.resources.length,
          removed: push.removed.length,
        },
        'ads push',
      );
      this.hook('onPush', () =>
        this.ctx.events.onPush?.(conn, push.typeUrl, push.version, bytes, push.resources.length),
      );
    }
    this.armHoldTimer();
  }

  /** While removals are held back, releases them after `holdRemovalsMs` even without the ACKs. */
  private armHoldTimer(): void {
    if (!this.machine.hasHeld()) {
      if (this.holdTimer) clearTimeout(this.holdTimer);
      this.holdTimer = undefined;
      return;
    }
    if (this.holdTimer) return;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      this.guard(() => {
        if (this.closed) return;
        this.ctx.logger.info(this.logContext(), 'ads: releasing held removals after timeout');
        this.carryOut(this.machine.releaseHeld(this.snapshot(), true));
      });
    }, this.ctx.holdRemovalsMs);
    this.holdTimer.unref();
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.logger.error({ ...this.logContext(), err }, 'ads stream failed');
      this.fail(status.INTERNAL, `internal error: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  private fail(code: status, details: string): void {
    if (this.closed) return;
    this.ctx.logger.warn({ ...this.logContext(), code, details }, 'ads stream closed with an error');
    this.end(code, details);
  }

  private hook(name: keyof AdsEvents, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.logger.error({ ...this.logContext(), err, hook: name }, 'ads event hook failed');
    }
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.queue.length = 0;
    const conn = this.conn;
    if (conn) {
      this.ctx.logger.info(this.logContext(), 'ads stream closed');
      this.hook('onStreamClose', () => this.ctx.events.onStreamClose?.(conn));
    }
    for (const handler of this.closeHandlers.splice(0)) handler();
  }

  private logContext(): Record<string, string> {
    const c = this.conn;
    return c
      ? { stream: this.id, kind: this.protocol.kind, node: c.nodeId, group: c.group, peer: this.peer }
      : { stream: this.id, kind: this.protocol.kind, peer: this.peer };
  }
}
