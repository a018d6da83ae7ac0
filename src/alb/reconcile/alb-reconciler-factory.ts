/**
 * Wires the ALB edge for one AWS account and region: SDK clients -> gateway (rate limits, retries,
 * metrics) -> actual-state reader, facts resolver, plan applier -> reconciler. Used by
 * `causeway controller --alb`, `causeway plan`, the moto e2e tests and the benchmark, so that they all
 * run the same code.
 */
import type { Logger } from 'pino';
import { pino } from 'pino';
import { buildAlbStacks } from '../build/alb-build.js';
import { planAlbStack } from '../plan/alb-plan.js';
import { AlbReconciler, type AlbBuilder, type AlbPlanner } from './alb-reconciler.js';
import { PlanApplier } from '../apply/plan-applier.js';
import { AlbStateReader } from '../aws/actual-state-reader.js';
import { createAwsClients, type AwsConnection } from '../aws/aws-clients.js';
import { AwsGateway } from '../aws/aws-gateway.js';
import type { AwsMetrics } from '../aws/aws-metrics.js';
import type { AwsRetryOptions } from '../aws/aws-retry.js';
import type { CallFamily, RateLimit } from '../aws/call-families.js';
import { FactsResolver } from '../aws/facts-resolver.js';

export interface AlbEdgeOptions extends AwsConnection {
  /** Our `causeway.dev/cluster` tag value (and part of every AWS name). */
  readonly clusterName: string;
  readonly vpcId?: string;
  readonly metrics?: AwsMetrics;
  readonly rateLimits?: Partial<Record<CallFamily, RateLimit>>;
  readonly retry?: Partial<AwsRetryOptions>;
  readonly logger?: Logger;
  readonly mayApply?: () => boolean;
  /** Defaults: buildAlbStacks and planAlbStack. */
  readonly build?: AlbBuilder;
  readonly plan?: AlbPlanner;
}

export interface AlbEdge {
  readonly gateway: AwsGateway;
  readonly reader: AlbStateReader;
  readonly facts: FactsResolver;
  readonly applier: PlanApplier;
  readonly reconciler: AlbReconciler;
  destroy(): void;
}

export function createAlbEdge(o: AlbEdgeOptions): AlbEdge {
  const logger = o.logger ?? pino({ level: 'silent' });
  const clients = createAwsClients(o);
  const gateway = new AwsGateway({
    clients,
    logger: logger.child({ component: 'aws' }),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.rateLimits ? { rateLimits: o.rateLimits } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
  });
  const reader = new AlbStateReader({ gateway, clusterName: o.clusterName, logger });
  const facts = new FactsResolver({ gateway, ...(o.vpcId ? { vpcId: o.vpcId } : {}) });
  const applier = new PlanApplier({ gateway, reader, clusterName: o.clusterName, logger });
  const reconciler = new AlbReconciler({
    reader,
    facts,
    applier,
    plan: o.plan ?? planAlbStack,
    build: o.build ?? buildAlbStacks,
    clusterName: o.clusterName,
    logger: logger.child({ component: 'alb' }),
    ...(o.mayApply ? { mayApply: o.mayApply } : {}),
  });
  return { gateway, reader, facts, applier, reconciler, destroy: () => clients.destroy() };
}
