// Envoy rejects weighted clusters whose weights sum past uint32 (the whole listener's route config, so
// every host on it freezes). Clamping each weight is not enough: [4294967295, 4294967295] sums to 2^33.
import { uint32 } from './proto-util.js';

const maxUint32 = 4294967295;

/**
 * Weights Envoy accepts, in the same order: each clamped to uint32; when they then sum past uint32,
 * all are scaled down by the same factor (rounded down), and a positive weight never becomes 0.
 */
export const fitWeights = (weights: readonly number[]): number[] => {
  const clamped = weights.map(uint32);
  const sum = clamped.reduce((total, weight) => total + weight, 0);
  if (sum <= maxUint32) return clamped;
  const positive = clamped.filter((weight) => weight > 0).length;
  // Room for every positive weight's "at least 1", and for the float rounding of each product.
  const budget = maxUint32 - 2 * positive;
  return clamped.map((weight) => (weight === 0 ? 0 : Math.max(1, Math.floor((weight / sum) * budget))));
};
