import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";

// Every test file talks to the run's migrated database and keeps its data under a private directory.
process.env.DATABASE_URL = inject("databaseUrl");
process.env.DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "autocode-test-data-"));
process.env.AUTH_SECRET ??= "test-secret-not-for-production";
// Most suites create many accounts; the sign-up modes have their own tests.
process.env.SIGNUP ??= "open";
