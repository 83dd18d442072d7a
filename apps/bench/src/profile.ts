/** How long and how big each scenario runs. `quick` keeps every scenario, with fewer samples. */
export interface Profile {
  name: 'full' | 'quick' | 'tiny';
  rounds: number;
  closedS: number;
  /** Slices each mode's closed-loop run is cut into, taking turns with the other modes'. */
  slices: number;
  /** Unrecorded load per mode before the first round, so no round measures a cold JIT. */
  warmupS: number;
  openS: number;
  openRate: number;
  /** Requests per second of the fixed-rate CPU run: below every mode's capacity here. */
  cpuRate: number;
  connections: number;
  primitiveOps: number;
  ioOps: number;
  farDelaysMs: number[];
  farS: number;
  scaleReplicas: number[];
  sessions: number;
  claimCounts: number[];
  reachTrials: number;
  outage: { totalS: number; cutAtS: number; cutForS: number; rate: number };
}

export const PROFILES: Record<Profile['name'], Profile> = {
  full: {
    name: 'full',
    rounds: 3,
    closedS: 5,
    slices: 5,
    warmupS: 2,
    openS: 4,
    openRate: 300,
    cpuRate: 1000,
    connections: 16,
    primitiveOps: 20_000,
    ioOps: 5000,
    farDelaysMs: [0, 0.5, 2, 5],
    farS: 4,
    scaleReplicas: [1, 2, 4],
    sessions: 100_000,
    claimCounts: [0, 1, 4, 16, 64],
    reachTrials: 50,
    outage: { totalS: 15, cutAtS: 5, cutForS: 5, rate: 100 },
  },
  quick: {
    name: 'quick',
    rounds: 3,
    closedS: 1,
    slices: 2,
    warmupS: 0.5,
    openS: 1,
    openRate: 200,
    cpuRate: 500,
    connections: 8,
    primitiveOps: 3000,
    ioOps: 1000,
    farDelaysMs: [0, 2, 5],
    farS: 1,
    scaleReplicas: [1, 2],
    sessions: 10_000,
    claimCounts: [0, 16, 64],
    reachTrials: 10,
    outage: { totalS: 6, cutAtS: 2, cutForS: 2, rate: 50 },
  },
  tiny: {
    name: 'tiny',
    rounds: 3,
    closedS: 0.3,
    slices: 1,
    warmupS: 0.1,
    openS: 0.3,
    openRate: 50,
    cpuRate: 100,
    connections: 2,
    primitiveOps: 200,
    ioOps: 50,
    farDelaysMs: [0, 2],
    farS: 0.3,
    scaleReplicas: [1],
    sessions: 500,
    claimCounts: [0, 64],
    reachTrials: 3,
    outage: { totalS: 3, cutAtS: 1, cutForS: 1, rate: 20 },
  },
};
