// Control characters, and the bidirectional controls that make a name read differently than it is
// (U+202E turns "evil\u202Eyp.txt" into "eviltxt.py" on screen): no legitimate file name needs them.
const CONTROL = /[\u0000-\u001f\u007f]/;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The character rule every path check calls (edits here, plans, the sandbox's paths): why the path's
 * characters are refused, or undefined.
 */
export function unsafePathCharacters(requested: string): string | undefined {
  if (CONTROL.test(requested)) return `the path ${JSON.stringify(requested)} contains a NUL byte or another control character`;
  if (BIDI.test(requested)) return `the path ${JSON.stringify(requested)} contains a right-to-left or other bidirectional control character, which makes a name display as something it is not`;
  if (LONE_SURROGATE.test(requested)) return `the path ${JSON.stringify(requested)} is not valid Unicode`;
  return undefined;
}
