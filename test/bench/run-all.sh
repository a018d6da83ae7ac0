#!/usr/bin/env bash
# `npm run bench`: every benchmark at its default size, one after another (figures printed and written to
# dist/*.json; see docs/benchmarks.md). Needs `npm run build` first; the Kubernetes and routed benchmarks
# need root (network namespaces). One step failing stops the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
b=dist/test/bench

node $b/cli-startup.main.js
node $b/bench.main.js
node $b/policy-cost.main.js
node --expose-gc $b/resource-set-update.main.js
node $b/ingress-edit.main.js
node $b/manifest-parse.main.js
node $b/envoy-edit-latency.main.js
node $b/xds-change-cost.main.js
node $b/push-storm.main.js

npm run setup:kube
node $b/routed-latency.main.js
node $b/gateway-cold-start.main.js --gateways 10
# The issue-14 size: 10k Ingresses, 100k endpoints, 1,000 simulated + 3 real gateways, churn 500 writes/s.
node $b/kube-bench.main.js --services 10000 --gateways 1000 --real-gateways 3 --writes 200 --routed-writes 40 \
  --churn-rate 500 --churn-seconds 60 --churn-services 1000
# 2k Ingresses / 20k endpoints / 10 real gateways: write -> every real gateway routes.
node $b/kube-bench.main.js --services 2000 --groups 1 --gateways 10 --real-gateways 10 --writes 100 \
  --routed-writes 100 --out dist/kube-bench-routed-result.json
node $b/scaling-curve.main.js --sizes 1000,10000,100000 --reuse dist/kube-bench-result.json

npm run setup:moto
node $b/alb-bench.main.js
