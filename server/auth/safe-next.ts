const BASE = "http://autocode.invalid";

/**
 * Where to go after signing in: only same-site paths, so an attacker's ?next= cannot turn sign-in into an open
 * redirect. The URL parser decides, as browsers do, which catches tricks ("/\t/evil.com", "/\\evil.com") that
 * string prefix checks miss.
 */
export function safeNext(value: unknown, fallback = "/projects"): string {
  if (typeof value !== "string" || !value.startsWith("/")) return fallback;
  try {
    const url = new URL(value, BASE);
    return url.origin === BASE ? `${url.pathname}${url.search}${url.hash}` : fallback;
  } catch {
    return fallback;
  }
}
