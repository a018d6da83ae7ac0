/**
 * What the controller applied last, and the one stream it is published on. The runner publishes every
 * applied change (full, endpoints-only, or diagnostics-only); the ALB loop, the leader writers (Ingress
 * status, Events) and the NACK tracker subscribe and read `latest()` instead of keeping their own copy.
 * This module sits below both src/controller and src/alb, so neither has to import the other for it.
 */
import type { Diagnostic } from '../errors.js';
import type { GatewayApiStatus } from '../gateway-api/status-model.js';
import type { ResourceSet } from '../resources/resource-set.js';
import type { ServedIngress } from '../translate/translate.js';
import type { XdsSourceMap } from '../../xds/translator/source-map.js';

/** What the runner applied last: the resources, the xDS sources served to the gateways and its outcome. */
export interface AppliedState {
  readonly resources: ResourceSet;
  /** For every xDS resource served, the objects it came from (the last full translation's). */
  readonly xdsSources: XdsSourceMap;
  readonly served: readonly ServedIngress[];
  readonly diagnostics: readonly Diagnostic[];
  /**
   * The Gateway API status the translation computed (the leader writes it); absent until the Gateway API
   * translation provides it, when the writers compute the GatewayClasses' status alone.
   */
  readonly gatewayApiStatus?: GatewayApiStatus;
}

/** A value that changes over time: its latest version, and a way to hear about the next ones. */
export interface ValueStream<T> {
  latest(): T | undefined;
  /**
   * Calls `fn` with the latest value at once (if there is one) and with every value published later,
   * subscribers in the order they subscribed. Returns the unsubscribe function.
   */
  subscribe(fn: (value: T) => void): () => void;
}

/** The publishing side of a ValueStream. */
export interface ValuePublisher<T> extends ValueStream<T> {
  publish(value: T): void;
}

export type AppliedStateStream = ValueStream<AppliedState>;

/**
 * A ValueStream that keeps only the latest value. A subscriber that throws is reported to `onError`
 * and does not stop the others.
 */
export function createValuePublisher<T>(onError: (err: unknown) => void): ValuePublisher<T> {
  let current: { readonly value: T } | undefined;
  const subscribers: ((value: T) => void)[] = [];
  const deliver = (fn: (value: T) => void, value: T): void => {
    try {
      fn(value);
    } catch (err) {
      onError(err);
    }
  };
  return {
    latest: () => current?.value,
    subscribe(fn) {
      const subscriber = (value: T): void => fn(value);
      subscribers.push(subscriber);
      if (current) deliver(subscriber, current.value);
      return () => {
        const i = subscribers.indexOf(subscriber);
        if (i >= 0) subscribers.splice(i, 1);
      };
    },
    publish(value) {
      current = { value };
      for (const fn of [...subscribers]) deliver(fn, value);
    },
  };
}
