import type { ShieldSettings } from '../../client-sdk/src/protocol/index.js';

/**
 * When the automatic shield goes on by itself: any one signal at its threshold, over the last
 * `windowMs`. It goes off (only if it put the shield on) after `releaseMs` with every signal
 * under half its threshold.
 */
export interface AutoShieldRule {
  /** Net new viewers per second (the room's count, across nodes). */
  joinsPerSecond: number;
  chatPerSecond: number;
  /** Share of recent messages the policy restricted for some audience (of at least 20). */
  flaggedShare: number;
  /** Messages waiting for review. */
  backlog: number;
  windowMs: number;
  releaseMs: number;
  /** The preset it applies. */
  settings: ShieldSettings;
}
