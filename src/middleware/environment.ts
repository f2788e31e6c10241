/** A Lambda environment variable the template always sets: a missing one fails the container at once, by name. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
