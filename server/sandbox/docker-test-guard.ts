import { checkDockerAvailable } from "./docker-client";

/**
 * For tests that need the real engine: without one they skip with a loud warning, except under CI=true,
 * where a missing engine or image is a failure, not a skip.
 */
export async function requireDocker(suite: string): Promise<boolean> {
  try {
    await checkDockerAvailable();
    return true;
  } catch (error) {
    const why = (error as { userMessage?: string }).userMessage ?? String(error);
    if (process.env.CI === "true") throw new Error(`${suite} needs Docker under CI: ${why}`);
    console.warn(`\n!!! SKIPPING ${suite}: ${why}\n`);
    return false;
  }
}
