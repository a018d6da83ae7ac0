/** Status condition helpers for the Gateway API status model (pure). */
import type { StatusCondition } from './status-model.js';

export function condition(
  type: string,
  ok: boolean,
  reason: string,
  message: string,
  observedGeneration?: number,
): StatusCondition {
  return {
    type,
    status: ok ? 'True' : 'False',
    reason,
    message,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
  };
}
