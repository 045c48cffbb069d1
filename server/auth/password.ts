import { hash, verify } from "@node-rs/argon2";
import { z } from "zod";

// argon2id with OWASP's minimums (19 MiB, 2 passes): slow enough to resist offline guessing, fast for sign-in.
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 10;
const COMMON = new Set(["password123", "1234567890", "qwertyuiop", "password1234", "letmein123", "iloveyou12"]);

export const ZPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
  .max(256, "Use at most 256 characters.")
  .refine((value) => /[A-Za-z]/.test(value) && /[^A-Za-z]/.test(value), "Mix letters with digits or symbols.")
  .refine((value) => !COMMON.has(value.toLowerCase()), "This password is too common; choose another.");

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Verifying against a fixed hash when the user does not exist keeps sign-in timing the same either way,
// so response times do not reveal which emails have accounts.
let dummyHash: Promise<string> | undefined;
export async function burnVerifyTime(password: string): Promise<void> {
  dummyHash ??= hashPassword("not-a-real-password-0");
  await verifyPassword(await dummyHash, password);
}
