export type Token = { kind: "keyword" | "string" | "comment" | "number" | "plain"; text: string };

type Language = { keywords: ReadonlySet<string>; lineComment: string | null };

const PYTHON = new Set(
  "and as assert async await break class continue def del elif else except False finally for from global if import in is lambda None nonlocal not or pass raise return True try while with yield self".split(" "),
);
const C_LIKE = new Set(
  "abstract as async await break case catch class const continue default delete do else enum export extends false finally for from func function go if implements import in interface let new null package private protected public return static struct super switch this throw true try type typeof undefined var void while yield fn impl mut pub use match".split(" "),
);

export function languageOf(path: string): Language {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  if (["py", "pyi"].includes(ext)) return { keywords: PYTHON, lineComment: "#" };
  if (["sh", "bash", "yml", "yaml", "toml", "rb", "r", "dockerfile", "cfg", "ini"].includes(ext)) return { keywords: new Set(), lineComment: "#" };
  if (["ts", "tsx", "js", "jsx", "mjs", "cjs", "go", "rs", "c", "h", "cc", "cpp", "java", "kt", "cs", "swift", "css"].includes(ext)) {
    return { keywords: C_LIKE, lineComment: "//" };
  }
  return { keywords: new Set(), lineComment: null };
}

/**
 * A deliberately small, line-local tokenizer: keywords, strings, numbers and line comments. It never
 * needs to be right about multi-line constructs; it only has to make a diff easier to scan.
 */
export function tokenize(line: string, language: Language): Token[] {
  const tokens: Token[] = [];
  const push = (kind: Token["kind"], text: string) => {
    const last = tokens.at(-1);
    if (last && last.kind === kind && kind === "plain") last.text += text;
    else tokens.push({ kind, text });
  };
  let i = 0;
  while (i < line.length) {
    const rest = line.slice(i);
    if (language.lineComment && rest.startsWith(language.lineComment)) {
      push("comment", rest);
      break;
    }
    const ch = line[i]!;
    if (ch === '"' || ch === "'" || ch === "`") {
      let j = i + 1;
      while (j < line.length && line[j] !== ch) j += line[j] === "\\" ? 2 : 1;
      push("string", line.slice(i, Math.min(j + 1, line.length)));
      i = Math.min(j + 1, line.length);
      continue;
    }
    const word = /^[A-Za-z_$][\w$]*/.exec(rest);
    if (word) {
      push(language.keywords.has(word[0]) ? "keyword" : "plain", word[0]);
      i += word[0].length;
      continue;
    }
    const number = /^\d[\d_]*(?:\.\d+)?/.exec(rest);
    if (number) {
      push("number", number[0]);
      i += number[0].length;
      continue;
    }
    push("plain", ch);
    i++;
  }
  return tokens;
}
