/**
 * Metrics of the AWS edge, registered on the controller's shared registry by whoever assembles the
 * controller (every controller registers them; they stay at 0 outside ALB mode) (documented in docs/metrics.md):
 * - `causeway_aws_calls_total{service, operation, outcome}`: logical calls (retries included in one),
 *   outcome `ok`, `error` (final client error, e.g. a validation error) or `failed` (retries exhausted
 *   on throttling, 5xx or network errors);
 * - `causeway_aws_retries_total{service, reason}`: HTTP requests retried, reason `throttling`,
 *   `server-error` or `network`;
 * - `causeway_aws_rate_limit_wait_seconds{family}`: time spent waiting on the client-side token bucket.
 *
 * Series of every known operation start at 0, so `rate()` and absent-series alerts work from the start.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { RetryReason } from './aws-retry.js';
import {
  ACM_OPERATIONS,
  CALL_FAMILIES,
  EC2_OPERATIONS,
  ELBV2_OPERATIONS,
  type AwsService,
} from './call-families.js';

export type AwsCallOutcome = 'ok' | 'error' | 'failed';

/** 1 ms to 30 s. */
export const RATE_LIMIT_WAIT_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** Counts per (service, operation, outcome), also readable directly (tests, benchmark, plan CLI). */
export interface AwsCallCounts {
  readonly total: number;
  readonly mutating: number;
  readonly byOperation: Readonly<Record<string, number>>;
}

export class AwsMetrics {
  private readonly calls: Counter<'service' | 'operation' | 'outcome'>;
  private readonly retries: Counter<'service' | 'reason'>;
  private readonly waits: Histogram<'family'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.calls = new Counter({
      name: 'causeway_aws_calls_total',
      help: 'AWS API calls by service, operation and outcome (ok|error|failed); retries count once.',
      labelNames: ['service', 'operation', 'outcome'],
      registers,
    });
    this.retries = new Counter({
      name: 'causeway_aws_retries_total',
      help: 'AWS HTTP requests retried, by service and reason (throttling|server-error|network).',
      labelNames: ['service', 'reason'],
      registers,
    });
    this.waits = new Histogram({
      name: 'causeway_aws_rate_limit_wait_seconds',
      help: 'Seconds an AWS call waited on the client-side token bucket of its call family.',
      labelNames: ['family'],
      buckets: [...RATE_LIMIT_WAIT_BUCKETS],
      registers,
    });
    this.init(
      [
        ...Object.keys(ELBV2_OPERATIONS).map((operation) => ({ service: 'elbv2' as const, operation })),
        ...EC2_OPERATIONS.map((operation) => ({ service: 'ec2' as const, operation })),
        ...ACM_OPERATIONS.map((operation) => ({ service: 'acm' as const, operation })),
      ],
      CALL_FAMILIES,
    );
  }

  /** Starts the series of known operations and families at 0. */
  private init(
    operations: readonly { service: AwsService; operation: string }[],
    families: readonly string[],
  ): void {
    for (const { service, operation } of operations) this.calls.inc({ service, operation, outcome: 'ok' }, 0);
    for (const service of ['elbv2', 'ec2', 'acm'] as const)
      for (const reason of ['throttling', 'server-error', 'network'] as const)
        this.retries.inc({ service, reason }, 0);
    for (const family of families) this.waits.zero({ family });
  }

  recordCall(service: AwsService, operation: string, outcome: AwsCallOutcome): void {
    this.calls.inc({ service, operation, outcome });
  }

  recordRetry(service: AwsService, reason: RetryReason): void {
    this.retries.inc({ service, reason });
  }

  recordWait(family: string, seconds: number): void {
    this.waits.observe({ family }, seconds);
  }
}
