/**
 * The apiserver side of Kubernetes Events: what the recorder needs from one cluster (`EventClient`), and
 * its implementation through client-node's `events.k8s.io/v1` API.
 */
import {
  EventsV1Api,
  PatchStrategy,
  V1MicroTime,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { requestOptions } from '../../client/kube-api-call.js';
import { httpStatusOf } from '../../client/http-status.js';
import type { EventCreate, EventSeriesBody } from './event-plan.js';

/** What the recorder needs from one cluster. Errors carry the HTTP status as `code`. */
export interface EventClient {
  create(event: EventCreate): Promise<void>;
  /** The series count of an existing Event (1 without series); undefined when it does not exist. */
  seriesCount(namespace: string, name: string): Promise<number | undefined>;
  patchSeries(namespace: string, name: string, series: EventSeriesBody): Promise<void>;
}

function microTime(ms: number): V1MicroTime {
  return new V1MicroTime(ms);
}

/** Events through client-node (needs create, get and patch on `events.k8s.io` `events`). */
export function kubeEventClient(kubeConfig: KubeConfig, requestTimeoutMs = 10_000): EventClient {
  const api = kubeConfig.makeApiClient(EventsV1Api);
  return {
    async create(event) {
      const { spec } = event;
      await api.createNamespacedEvent(
        {
          namespace: spec.namespace,
          body: {
            apiVersion: 'events.k8s.io/v1',
            kind: 'Event',
            metadata: { name: spec.name, namespace: spec.namespace },
            eventTime: microTime(event.eventTime),
            ...(event.series
              ? {
                  series: {
                    count: event.series.count,
                    lastObservedTime: microTime(event.series.lastObservedTime),
                  },
                }
              : {}),
            regarding: { ...spec.regarding },
            reason: spec.reason,
            note: spec.note,
            type: spec.type,
            action: spec.action,
            reportingController: spec.reportingController,
            reportingInstance: spec.reportingInstance,
          },
        },
        requestOptions(requestTimeoutMs),
      );
    },
    async seriesCount(namespace, name) {
      try {
        const ev = await api.readNamespacedEvent({ namespace, name }, requestOptions(requestTimeoutMs));
        return ev.series?.count ?? 1;
      } catch (err) {
        if (httpStatusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async patchSeries(namespace, name, series) {
      await api.patchNamespacedEvent(
        {
          namespace,
          name,
          body: { series: { count: series.count, lastObservedTime: microTime(series.lastObservedTime) } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch, requestOptions(requestTimeoutMs)),
      );
    },
  };
}
