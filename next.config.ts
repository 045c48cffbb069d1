import type { NextConfig } from "next";
import { env } from "./server/env";

// Validate settings at build and start: a bad value fails here with a message naming it.
env();

const nextConfig: NextConfig = {
  // Native or process-spawning packages stay outside the bundle and load from node_modules at run time.
  serverExternalPackages: [
    "dockerode",
    "ssh2",
    "cpu-features",
    "@electric-sql/pglite",
    "@electric-sql/pglite-socket",
    "@node-rs/argon2",
    "chromadb",
    "chokidar",
    "pg-boss",
    "pg",
  ],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
