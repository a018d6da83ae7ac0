/**
 * The grpc I/O of one ADS stream, SotW or Delta alike: identifies the node from the first request,
 * holds requests until the config watcher is ready, follows the group's snapshot, runs the protocol
 * state machine and writes what it decides, reports events, and closes the stream with an error status
 * (never the server) when a request is malformed or something throws. A client is cut off when its
 * first request does not come within the handshake timeout, or when more of its requests wait than
 * `maxQueuedRequests`; requests for types not served are counted and logged rate-limited.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { ConfigView, GroupSnapshot } from '../cache/config-watcher.js';
import { PUSH_ORDER } from '../protos/envoy-protos.js';
import { CLIENT_TEXT_LIMITS, clipClientText } from './client-input.js';
import type { AdsConnection, AdsConnectionInfo, AdsEvents, StreamCutReason } from './connection.js';
import type { NodeInfo } from './discovery-messages.js';
import { nodeIdentity } from './node-identity.js';
import type { Step, StreamMachine } from './stream-machine.js';
import type { StreamContext, StreamProtocol } from './stream-context.js';
import { StepBuilder, inPushOrder } from './stream-machine.js';

export const DEFAULT_GROUP = 'default';

export type { StreamContext, StreamProtocol } from './stream-context.js';

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
  /** A first request arrived (it may still wait in the inbox). */
  private spoke = false;
  private handshakeTimer: NodeJS.Timeout | undefined;
  /** Requests received and not yet handled (in the inbox), besides the pre-ready `queue`. */
  private pendingRequests = 0;
  private readonly closeHandlers: Array<() => void> = [];
  /** Serving the group's `draining` view (the node was drained). */
  private draining = false;
  /** Work waiting for a push slot (requests, snapshot changes, timers), run in arrival order. */
  private readonly inbox: Array<() => void> = [];
  /** Work scheduled and not yet run (in the inbox or in the batch being run). */
  private scheduled = 0;
  /** Since when a snapshot change is not fully sent (work waiting, or make-before-break holding back). */
  private unsettledSince: number | undefined;
  private inboxScheduled = false;
  /** Settles when the last write was handed to the connection. */
  private lastWrite: Promise<void> | undefined;
  private readonly closedSignal: Promise<void>;
  private signalClosed: () => void = () => undefined;

  constructor(
    private readonly call: ServerDuplexStream<Req, Res>,
    private readonly protocol: StreamProtocol<Req, Res>,
    private readonly ctx: StreamContext,
  ) {
    this.machine = protocol.createMachine(ctx, () => this.conn);
    this.id = ctx.nextId();
    this.peer = call.getPeer();
    this.connectedAt = new Date(ctx.now()).toISOString();
    this.closedSignal = new Promise((resolve) => (this.signalClosed = resolve));
    call.on('data', (req: Req) => this.receive(req));
    call.on('end', () => this.end(status.OK, 'client closed the stream'));
    call.on('cancelled', () => this.cleanup());
    call.on('finish', () => this.cleanup());
    call.on('close', () => this.cleanup());
    call.on('error', (err: Error) => {
      this.ctx.logger.debug({ ...this.logContext(), err: err.message }, 'ads stream error');
      this.cleanup();
    });
    this.armHandshakeTimer();
    if (ctx.watcher.isReady()) this.ready = true;
    else
      ctx.watcher.whenReady().then(
        () => this.schedule(() => this.onReady()),
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
    const settled = this.settled();
    return {
      ...this.conn,
      types: this.machine.acks.info().map((t) => ({ ...t, upToDate: settled })),
      draining: this.draining,
      ...(this.unsettledSince !== undefined
        ? { unsettledSince: new Date(this.unsettledSince).toISOString() }
        : {}),
    };
  }

  /** Following the group, nothing waiting to run, nothing held back: the client has been sent it all. */
  private settled(): boolean {
    return (
      this.unsubscribe !== undefined &&
      this.queue.length === 0 &&
      this.scheduled === 0 &&
      !this.machine.hasHeld()
    );
  }

  /** Ends the stream with a status (the client then reconnects); used on server shutdown. */
  end(code: status, details: string): void {
    if (this.closed) return;
    if (code === status.OK) this.call.end();
    else this.call.emit('error', statusError(code, details));
    this.cleanup();
  }

  /** A request from the client: queued for the next push slot, unless the client has too many waiting. */
  private receive(req: Req): void {
    if (this.closed) return;
    this.spoke = true;
    if (this.pendingRequests + this.queue.length >= this.ctx.maxQueuedRequests) {
      this.cut(
        'request_queue_full',
        status.RESOURCE_EXHAUSTED,
        `more than ${this.ctx.maxQueuedRequests} requests waiting`,
      );
      return;
    }
    this.pendingRequests++;
    this.schedule(() => {
      this.pendingRequests--;
      this.onRequest(req);
    });
  }

  /** Closes a stream that has not sent its first request within `handshakeTimeoutMs`. */
  private armHandshakeTimer(): void {
    if (this.ctx.handshakeTimeoutMs <= 0) return;
    this.handshakeTimer = setTimeout(() => {
      this.handshakeTimer = undefined;
      if (!this.spoke)
        this.cut(
          'handshake_timeout',
          status.DEADLINE_EXCEEDED,
          `no DiscoveryRequest within ${this.ctx.handshakeTimeoutMs} ms`,
        );
    }, this.ctx.handshakeTimeoutMs);
    this.handshakeTimer.unref();
  }

  /** Ends the stream of a client that exceeded a bound: a log line, the onStreamCut hook, an error status. */
  private cut(reason: StreamCutReason, code: status, details: string): void {
    if (this.closed) return;
    this.ctx.logger.warn(
      { ...this.logContext(), code: 'CW_E_XDS_CLIENT_LIMIT', reason, details },
      'ads stream cut off: the client exceeded a limit',
    );
    const conn = this.conn;
    this.hook('onStreamCut', () => this.ctx.events.onStreamCut?.(conn, reason));
    this.end(code, `xDS stream cut off: ${details}`);
  }

  /** A request for a type not served: ignored, counted, logged within the server-wide rate. */
  private onUnknownType(typeUrl: string): void {
    const conn = this.conn;
    if (conn) this.hook('onUnknownType', () => this.ctx.events.onUnknownType?.(conn, typeUrl));
    const { log, suppressed } = this.ctx.unknownTypeLog.take(this.ctx.now());
    if (!log) return;
    this.ctx.logger.warn(
      {
        ...this.logContext(),
        typeUrl: clipClientText(typeUrl, CLIENT_TEXT_LIMITS.typeUrl),
        ...(suppressed > 0 ? { suppressed } : {}),
      },
      'ads request for a type not served; ignored',
    );
  }

  private onRequest(req: Req): void {
    if (this.closed) return;
    if (!this.conn) this.identify(req.node);
    if (this.closed) return;
    if (req.type_url === '') {
      this.fail(status.INVALID_ARGUMENT, 'request without type_url');
      return;
    }
    if (!SERVED_TYPES.has(req.type_url)) {
      this.onUnknownType(req.type_url);
      return;
    }
    if (!this.ready) {
      this.queue.push(req);
      return;
    }
    this.follow();
    const step = this.machine.onRequest(req, this.snapshot());
    if (!this.overSubscribed()) this.carryOut(step);
  }

  /** Cuts a Delta client off once its subscriptions exceed the caps; true when it did. */
  private overSubscribed(): boolean {
    const size = this.machine.subscriptionSize?.();
    if (!size) return false;
    const { maxSubscribedNames: names, maxSubscribedNameChars: chars } = this.ctx;
    if (size.names <= names && size.chars <= chars) return false;
    this.cut(
      'too_many_subscriptions',
      status.RESOURCE_EXHAUSTED,
      `subscribed to more than ${names} names or ${chars} characters of names`,
    );
    return true;
  }

  private onReady(): void {
    if (this.closed || this.ready) return;
    this.ready = true;
    if (this.queue.length === 0) return;
    this.follow();
    const step = new StepBuilder();
    for (const req of this.queue.splice(0)) step.add(this.machine.onRequest(req, this.snapshot()));
    if (!this.overSubscribed()) this.carryOut(step.build());
  }

  private identify(node: NodeInfo | null): void {
    const decision = this.ctx.groupOf?.(this.call as ServerDuplexStream<unknown, unknown>, node);
    if (decision && !decision.ok) {
      this.ctx.logger.warn(
        {
          ...this.logContext(),
          code: 'CW_E_XDS_FORBIDDEN',
          node: node?.id ?? '',
          requestedGroup: node?.cluster ?? '',
          reason: decision.reason,
        },
        'ads stream refused: the client certificate does not allow it',
      );
      this.fail(status.PERMISSION_DENIED, `xDS stream refused: ${decision.reason}`);
      return;
    }
    const conn: AdsConnection = {
      id: this.id,
      stream: this.protocol.kind,
      peer: this.peer,
      nodeId: node?.id ?? '',
      group: decision?.group ?? (node?.cluster || DEFAULT_GROUP),
      ...nodeIdentity(node, this.peer),
      connectedAt: this.connectedAt,
    };
    this.conn = Object.freeze(conn);
    this.draining = this.ctx.isDraining?.(conn.nodeId) ?? false;
    this.ctx.logger.info(this.logContext(), 'ads stream opened');
    this.hook('onStreamOpen', () => this.ctx.events.onStreamOpen?.(conn));
  }

  /** Subscribes to the group's snapshot changes (once, when ready and identified). */
  private follow(): void {
    if (this.unsubscribe || !this.conn) return;
    this.unsubscribe = this.ctx.watcher.subscribe(this.conn.group, (snapshot, changed, names) => {
      this.unsettledSince ??= this.ctx.now();
      this.schedule(() => {
        if (!this.closed)
          this.carryOut(this.machine.onChange(this.draining ? this.snapshot() : snapshot, changed, names));
      });
    });
  }

  private snapshot(): GroupSnapshot {
    const view: ConfigView = this.draining ? 'draining' : 'serving';
    return this.ctx.watcher.snapshot(this.conn?.group ?? DEFAULT_GROUP, view);
  }

  /**
   * Switches the stream to the group's draining view (or back to serving) and sends what differs: the
   * listeners in their other form (docs/drain.md). Before the stream follows its group, the first
   * responses simply use the new view.
   */
  setDraining(draining: boolean): void {
    if (this.closed || this.draining === draining) return;
    this.draining = draining;
    this.ctx.logger.info({ ...this.logContext(), draining }, 'ads: gateway drain state changed');
    if (!this.unsubscribe) return;
    this.schedule(() => {
      if (!this.closed) this.carryOut(this.machine.onChange(this.snapshot(), new Set(PUSH_ORDER)));
    });
  }

  private carryOut(step: Step): void {
    const conn = this.conn;
    if (!conn || this.closed) return;
    for (const { typeUrl, version, covers } of step.acks) {
      this.ctx.logger.debug({ ...this.logContext(), typeUrl, version }, 'ads ack');
      this.hook('onAck', () => this.ctx.events.onAck?.(conn, typeUrl, version, covers));
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
      const res = this.protocol.toWire(push);
      this.lastWrite = new Promise<void>((resolve) => this.call.write(res, () => resolve()));
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
      this.schedule(() => {
        if (this.closed) return;
        this.ctx.logger.info(this.logContext(), 'ads: releasing held removals after timeout');
        this.carryOut(this.machine.releaseHeld(this.snapshot(), true));
      });
    }, this.ctx.holdRemovalsMs);
    this.holdTimer.unref();
  }

  /**
   * Queues work for this stream's next push slot (see push-limiter.ts). Work runs in arrival order; the
   * slot is held until the responses it wrote are handed to the connection.
   */
  private schedule(fn: () => void): void {
    if (this.closed) return;
    this.scheduled++;
    this.inbox.push(fn);
    if (this.inboxScheduled) return;
    this.inboxScheduled = true;
    this.ctx.pushLimiter.run(() => this.runInbox());
  }

  private async runInbox(): Promise<void> {
    this.inboxScheduled = false;
    this.lastWrite = undefined;
    for (const fn of this.inbox.splice(0)) {
      if (this.closed) break;
      this.guard(fn);
      this.scheduled--;
      if (this.settled()) this.unsettledSince = undefined;
      else this.unsettledSince ??= this.ctx.now();
    }
    if (this.lastWrite && !this.closed) await Promise.race([this.lastWrite, this.closedSignal]);
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
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.queue.length = 0;
    this.inbox.length = 0;
    this.signalClosed();
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
