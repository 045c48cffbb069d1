import path from "node:path";

export interface SourceChunk {
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  text: string;
}

export interface ChunkOptions {
  /** Chunks shorter than this (in lines) are merged with the next definition. */
  minLines?: number;
  maxLines?: number;
  maxChars?: number;
}

const JS_DEFINITION =
  /^(?:export\s+(?:default\s+)?)?(?:declare\s+)?(?:async\s+)?(?:function\*?\s*[A-Za-z_$]|(?:abstract\s+)?class\s|interface\s|enum\s|type\s+[A-Za-z_$][\w$]*\s*(?:<[^=]*>)?\s*=|(?:const|let|var)\s+[A-Za-z_$][\w$]*\s*(?::[^=]+)?=\s*(?:async\s+)?(?:\(|function|[A-Za-z_$][\w$]*\s*=>))/;
const JAVA_MODIFIERS = "(?:(?:public|private|protected|static|final|abstract|sealed|synchronized|native|default)\\s+)*";

/** Lines that open a function or class, per language: cheap regexes, no parser. */
const DEFINITION_PATTERNS: Record<string, RegExp[]> = {
  python: [/^(?: {0,4}|\t?)(?:async\s+def|def|class)\s+[A-Za-z_]/],
  javascript: [JS_DEFINITION],
  go: [/^(?:func|type)\s/],
  rust: [/^\s{0,4}(?:pub(?:\([^)]*\))?\s+)?(?:(?:async|const|unsafe)\s+)*(?:fn|struct|enum|trait|impl|mod|union)\b/],
  java: [
    new RegExp(`^\\s{0,4}${JAVA_MODIFIERS}(?:class|interface|enum|record|@interface)\\s+\\w`),
    new RegExp(`^\\s{4}(?!(?:return|new|throw|else|if|for|while|switch|try|catch)\\b)${JAVA_MODIFIERS}(?:<[^>]+>\\s+)?[\\w<>\\[\\],.? ]+\\s+\\w+\\s*\\([^;]*$`),
  ],
};

const LANGUAGE_BY_EXTENSION: Record<string, string> = {
  ".py": "python",
  ".js": "javascript",
  ".jsx": "javascript",
  ".mjs": "javascript",
  ".cjs": "javascript",
  ".ts": "javascript",
  ".tsx": "javascript",
  ".mts": "javascript",
  ".cts": "javascript",
  ".go": "go",
  ".rs": "rust",
  ".java": "java",
};

export const SOURCE_EXTENSIONS: ReadonlySet<string> = new Set(Object.keys(LANGUAGE_BY_EXTENSION));

export function languageOf(filePath: string): string | undefined {
  return LANGUAGE_BY_EXTENSION[path.extname(filePath).toLowerCase()];
}

/** Decorators and comments right above a definition belong to it. */
const ATTACHED = /^\s*(?:@|#(?!!)|\/\/|\/\*|\*|\/\/\/)/;

function definitionStarts(lines: string[], patterns: RegExp[]): number[] {
  const starts: number[] = [];
  let floor = 0;
  lines.forEach((line, index) => {
    if (!patterns.some((pattern) => pattern.test(line))) return;
    let start = index;
    while (start - 1 >= floor && ATTACHED.test(lines[start - 1] ?? "")) start--;
    if (start > 0 && start !== starts[starts.length - 1]) starts.push(start);
    floor = index + 1;
  });
  return starts;
}

/** Cuts an oversized span into windows, preferring to cut at a blank line. */
function splitSpan(lines: string[], from: number, to: number, maxLines: number, maxChars: number): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let start = from;
  while (start < to) {
    let end = start;
    let chars = 0;
    while (end < to && end - start < maxLines && chars + (lines[end]?.length ?? 0) < maxChars) {
      chars += (lines[end]?.length ?? 0) + 1;
      end++;
    }
    if (end === start) end = start + 1;
    if (end < to) {
      for (let cut = end - 1; cut > start + (end - start) / 2; cut--) {
        if ((lines[cut] ?? "").trim() === "") {
          end = cut + 1;
          break;
        }
      }
    }
    spans.push([start, end]);
    start = end;
  }
  return spans;
}

/**
 * Splits a source file into chunks along its functions and classes (regex and indentation based), merging
 * tiny neighbours and cutting oversized ones, each with 1-based inclusive line numbers.
 */
export function chunkSource(filePath: string, text: string, options: ChunkOptions = {}): SourceChunk[] {
  const minLines = options.minLines ?? 8;
  const maxLines = options.maxLines ?? 80;
  const maxChars = options.maxChars ?? 4000;
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const language = languageOf(filePath);
  const starts = language ? definitionStarts(lines, DEFINITION_PATTERNS[language] ?? []) : [];
  const boundaries = [0, ...starts, lines.length];

  const spans: Array<[number, number]> = [];
  let open: number | undefined;
  for (let i = 0; i + 1 < boundaries.length; i++) {
    const from = open ?? (boundaries[i] as number);
    const to = boundaries[i + 1] as number;
    const isLast = i + 2 === boundaries.length;
    if (to - from < minLines && !isLast) {
      open = from;
      continue;
    }
    open = undefined;
    spans.push(...splitSpan(lines, from, to, maxLines, maxChars));
  }

  const chunks: SourceChunk[] = [];
  for (const [from, to] of spans) {
    const body = lines.slice(from, to).join("\n");
    if (body.trim() === "") continue;
    chunks.push({ startLine: from + 1, endLine: to, text: body });
  }
  return chunks;
}
