// A review environment's Redis, sized as plain data: the settings check (stacks/contradictions.ts) adds it to the
// app's limits to see that the namespace's quota fits. Memory comes from redisMemoryLimit.
export const reviewRedisResources = { cpuRequest: "25m", cpuLimit: "250m" } as const;
