export { FcEmulator, API_VERSION, type FcOptions } from './server';
export type { FunctionSpec, InvokeResult } from './instance';
export { timerTriggerFromConfig, type TimerTrigger } from './timer';
export type { TimerClock } from './scheduler';
export { ManualClock } from './manual-clock';
