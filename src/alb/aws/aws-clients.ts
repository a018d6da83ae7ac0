/**
 * The SDK v3 clients of the AWS edge (ELBv2, EC2, ACM), built from the controller's flags. The SDK's
 * own retry is off (`maxAttempts: 1`): the gateway (aws-gateway.ts) retries with its own capped,
 * jittered backoff after the token bucket, so retries never multiply and every HTTP request is counted.
 * Credentials come from the SDK's default chain (environment, shared config, IMDS/IRSA).
 */
import { ACMClient } from '@aws-sdk/client-acm';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';

export interface AwsConnection {
  /** e.g. `us-east-1` (default: $AWS_REGION / the SDK's chain). */
  readonly region?: string;
  /** An endpoint URL to use instead of AWS's (moto, LocalStack). */
  readonly endpoint?: string;
  /** Per-request timeout in ms (default 15,000). */
  readonly requestTimeoutMs?: number;
}

export interface AwsClients {
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly ec2: EC2Client;
  readonly acm: ACMClient;
  destroy(): void;
}

export function createAwsClients(c: AwsConnection): AwsClients {
  const config = {
    ...(c.region ? { region: c.region } : {}),
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
    maxAttempts: 1,
    requestHandler: { requestTimeout: c.requestTimeoutMs ?? 15_000 },
  };
  const elbv2 = new ElasticLoadBalancingV2Client(config);
  const ec2 = new EC2Client(config);
  const acm = new ACMClient(config);
  return {
    elbv2,
    ec2,
    acm,
    destroy() {
      elbv2.destroy();
      ec2.destroy();
      acm.destroy();
    },
  };
}
