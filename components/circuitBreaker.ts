/**
 * The deployment circuit breaker's failure threshold: half the desired count, rounded up,
 * clamped to 3..200 ("The deployment circuit breaker has a minimum threshold of 3 and a maximum
 * threshold of 200", ECS developer guide, deployment-circuit-breaker; the minimum was 10 until
 * January 2024). Desired 1 → 3, 25 → 13, 800 → 200. With auto scaling the desired count moves,
 * so the threshold does too.
 */
export const CIRCUIT_BREAKER = { min: 3, max: 200, fraction: 0.5 } as const;

export function circuitBreakerThreshold(desiredCount: number): number {
    return Math.min(CIRCUIT_BREAKER.max, Math.max(CIRCUIT_BREAKER.min, Math.ceil(CIRCUIT_BREAKER.fraction * desiredCount)));
}
