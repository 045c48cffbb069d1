import { EnvError, env, resetEnvForTests, type Env } from "@/server/env";

/** Reads .env (if any) into the environment, without overriding what is already set. */
function loadDotEnv(): void {
  try {
    process.loadEnvFile(".env");
  } catch {
    // no .env file: settings come from the environment alone
  }
}

/** The settings, validated; a bad setting ends the process with the message that names it. */
export function loadSettings(): Env {
  loadDotEnv();
  resetEnvForTests();
  try {
    return env();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
