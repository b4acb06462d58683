export { FcEmulator, API_VERSION, type FcOptions } from './server';
export type { FunctionSpec } from './instance';
