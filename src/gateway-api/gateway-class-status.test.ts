import { buildResourceSet, type Sourced } from '../resources/resource-set.js';
import type { GatewayClass } from '../resources/gateway-api-types.js';
import type { KubeObject } from '../resources/kube-types.js';
import { gatewayClassStatuses, withGatewayClassStatus } from './gateway-class-status.js';
import { EMPTY_GATEWAY_API_STATUS } from './status-model.js';

function cls(name: string, spec: GatewayClass['spec'], cluster = 'east'): Sourced<KubeObject> {
  return {
    object: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name, generation: 3 },
      spec,
    },
    origin: { cluster },
  };
}

const RESOURCES = buildResourceSet([
  cls('causeway', { controllerName: 'causeway.dev/gateway' }),
  cls('other', { controllerName: 'example.com/other' }),
  cls('tuned', {
    controllerName: 'causeway.dev/gateway',
    parametersRef: { group: 'example.com', kind: 'Config', name: 'c' },
  }),
]);

test("Causeway's classes are Accepted; one with parametersRef is InvalidParameters; others are not ours", () => {
  expect(gatewayClassStatuses(RESOURCES.gatewayApi.gatewayClasses)).toEqual([
    {
      name: 'causeway',
      cluster: 'east',
      conditions: [
        {
          type: 'Accepted',
          status: 'True',
          reason: 'Accepted',
          message: 'Served by Causeway',
          observedGeneration: 3,
        },
      ],
    },
    {
      name: 'tuned',
      cluster: 'east',
      conditions: [
        {
          type: 'Accepted',
          status: 'False',
          reason: 'InvalidParameters',
          message: 'Causeway takes no parameters: parametersRef example.com/Config c is not supported',
          observedGeneration: 3,
        },
      ],
    },
  ]);
});

test("the translation's class statuses win; without them the classes' own are filled in", () => {
  expect(withGatewayClassStatus(undefined, RESOURCES).gatewayClasses.map((c) => c.name)).toEqual([
    'causeway',
    'tuned',
  ]);
  const fromTranslation = {
    ...EMPTY_GATEWAY_API_STATUS,
    gatewayClasses: [{ name: 'x', cluster: 'e', conditions: [] }],
  };
  expect(withGatewayClassStatus(fromTranslation, RESOURCES)).toBe(fromTranslation);
});
