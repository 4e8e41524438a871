// Owned by the engine work: sync, plan, dispatch, write-back, events over the DunningStore port.
export {};
