import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";

const VERSION = "v1";

function key(): Buffer {
  const { SECRETS_KEY, AUTH_SECRET } = env();
  const material = SECRETS_KEY ?? AUTH_SECRET ?? process.env.AUTH_SECRET;
  if (!material) throw new AppError("UNAVAILABLE", "Set SECRETS_KEY (or AUTH_SECRET) so API keys can be stored encrypted.");
  // A derived key, so the session secret itself never encrypts data and the two can be rotated apart.
  return Buffer.from(hkdfSync("sha256", material, "autocodeai", "api-key-encryption", 32));
}

/** AES-256-GCM with a random nonce; the result is safe to store, useless without the server's secret. */
export function encryptSecret(plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
}

export function decryptSecret(stored: string): string {
  const [version, iv, tag, body] = stored.split(".");
  if (version !== VERSION || !iv || !tag || body === undefined) throw new AppError("INTERNAL", "A stored API key is unreadable.");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new AppError("UNAVAILABLE", "A stored API key cannot be decrypted: SECRETS_KEY or AUTH_SECRET changed. Enter the key again in Settings.");
  }
}
