/** Diagnostics and plan options shared by the Event planner's and recorder's unit tests. */
import { diagnostic, type Diagnostic } from '../../errors.js';
import type { EventPlanOptions } from '../status/events/event-plan.js';

export const T0 = Date.parse('2025-01-01T00:00:00Z');
export const MIN = 60_000;
export const OPTS: EventPlanOptions = { reportingInstance: 'causeway-7d9f-abcde' };

export const ing = (name: string, namespace = 'shop', cluster = 'east') => ({
  kind: 'Ingress',
  namespace,
  name,
  cluster,
});
export const badPath = (name = 'web', message = 'path "foo" must start with /'): Diagnostic =>
  diagnostic('CW_E_INGRESS_PATH_INVALID', ing(name), message);

