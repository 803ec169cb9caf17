export { WorkerRegistry, listFleet, liveWorkerDetails, type FleetWorker, type WorkerIdentity, type WorkerReport } from './worker-registry.ts';
export { FairShareLeases, type LeaseTable, type RoundHooks, type RoundOutcome } from './fair-share-leases.ts';
