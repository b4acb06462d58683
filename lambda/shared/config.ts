/** Reads the environment the template gives each function, failing loudly if the template and code disagree. */
export function requireEnv(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`environment variable ${name} is not set`);
  return v;
}

export function numberEnv(name: string): number {
  const n = Number(requireEnv(name));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`environment variable ${name} must be a positive number`);
  return n;
}
