/**
 * The one door to AWS: every ELBv2, EC2 and ACM call goes through `AwsGateway.send`, which
 *   1. waits on the token bucket of the call's family (call-families.ts),
 *   2. sends it (the SDK's own retry is off, see aws-clients.ts),
 *   3. retries throttling, 5xx and network errors with capped, jittered backoff (aws-retry.ts), each
 *      retry taking a token again,
 *   4. counts the call by operation and outcome (aws-metrics.ts) and in `counts()` (tests, benchmark).
 * Client errors (validation, not found, duplicate name) are not retried: the caller decides.
 */
import type { CommandIO, MetadataBearer } from '@smithy/types';
import type { Logger } from 'pino';
import type { AwsClients } from './aws-clients.js';
import type { AwsMetrics } from './aws-metrics.js';
import type { AwsCallCounts } from './aws-metrics.js';
import {
  backoffMs,
  DEFAULT_AWS_RETRY,
  retryReason,
  awsErrorCode,
  type AwsRetryOptions,
} from './aws-retry.js';
import {
  CALL_FAMILIES,
  classify,
  DEFAULT_RATE_LIMITS,
  type AwsService,
  type CallFamily,
  type RateLimit,
} from './call-families.js';
import { TokenBucket } from '../../util/token-bucket.js';

/** An SDK v3 command (input and output types carried by the command class). */
type SdkCommand<I extends object, O extends MetadataBearer> = CommandIO<I, O>;

export interface AwsGatewayOptions {
  readonly clients: AwsClients;
  /** Registered on the controller's registry; a private one when absent. */
  readonly metrics?: AwsMetrics;
  readonly rateLimits?: Partial<Record<CallFamily, RateLimit>>;
  readonly retry?: Partial<AwsRetryOptions>;
  readonly logger?: Logger;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** An AWS call that failed for good: the operation, the AWS error code and the attempts made. */
export class AwsCallError extends Error {
  constructor(
    readonly operation: string,
    readonly awsCode: string,
    readonly attempts: number,
    readonly retryable: boolean,
    override readonly cause: unknown,
  ) {
    super(
      `${operation} failed: ${awsCode}: ${cause instanceof Error ? cause.message : String(cause)}` +
        (attempts > 1 ? ` (after ${attempts} attempts)` : ''),
    );
    this.name = 'AwsCallError';
  }
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function operationOf(command: object): string {
  return command.constructor.name.replace(/Command$/, '');
}

export class AwsGateway {
  private readonly buckets = new Map<CallFamily, TokenBucket>();
  private readonly retry: AwsRetryOptions;
  private readonly byOperation = new Map<string, number>();
  private total = 0;
  private mutating = 0;
  readonly metrics: AwsMetrics | undefined;

  constructor(private readonly o: AwsGatewayOptions) {
    this.retry = { ...DEFAULT_AWS_RETRY, ...o.retry };
    for (const family of CALL_FAMILIES) {
      const limit = o.rateLimits?.[family] ?? DEFAULT_RATE_LIMITS[family];
      this.buckets.set(family, new TokenBucket({ ...limit, ...(o.sleep ? { sleep: o.sleep } : {}) }));
    }
    this.metrics = o.metrics;
  }

  /** Sends an ELBv2 command (`new DescribeRulesCommand(...)`). */
  elbv2<I extends object, O extends MetadataBearer>(command: SdkCommand<I, O>): Promise<O> {
    return this.call('elbv2', command, () => this.o.clients.elbv2.send(command as never) as Promise<O>);
  }

  ec2<I extends object, O extends MetadataBearer>(command: SdkCommand<I, O>): Promise<O> {
    return this.call('ec2', command, () => this.o.clients.ec2.send(command as never) as Promise<O>);
  }

  acm<I extends object, O extends MetadataBearer>(command: SdkCommand<I, O>): Promise<O> {
    return this.call('acm', command, () => this.o.clients.acm.send(command as never) as Promise<O>);
  }

  /** Logical calls made so far (one per `send`, whatever its retries), in all and mutating. */
  counts(): AwsCallCounts {
    return { total: this.total, mutating: this.mutating, byOperation: Object.fromEntries(this.byOperation) };
  }

  private async call<T>(service: AwsService, command: object, send: () => Promise<T>): Promise<T> {
    const operation = operationOf(command);
    const { family, mutating } = classify(service, operation);
    const bucket = this.buckets.get(family)!;
    this.total++;
    if (mutating) this.mutating++;
    this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
    for (let attempt = 1; ; attempt++) {
      const waited = await bucket.take();
      this.metrics?.recordWait(family, waited / 1000);
      try {
        const out = await send();
        this.metrics?.recordCall(service, operation, 'ok');
        return out;
      } catch (err) {
        const reason = retryReason(err);
        if (reason === undefined || attempt >= this.retry.maxAttempts) {
          this.metrics?.recordCall(service, operation, reason === undefined ? 'error' : 'failed');
          throw new AwsCallError(operation, awsErrorCode(err), attempt, reason !== undefined, err);
        }
        this.metrics?.recordRetry(service, reason);
        const delay = backoffMs(attempt - 1, this.retry, this.o.random);
        this.o.logger?.debug(
          { operation, reason, code: awsErrorCode(err), attempt, delayMs: delay },
          'AWS call failed; retrying',
        );
        await (this.o.sleep ?? realSleep)(delay);
      }
    }
  }
}

/** The AWS error code of an error thrown by the gateway (or the SDK), without the `Exception` suffix. */
export function codeOf(err: unknown): string {
  return err instanceof AwsCallError ? err.awsCode : awsErrorCode(err);
}
