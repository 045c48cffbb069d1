/** One edit from the Coder: full content for a file, a deletion, or a unified diff (one or more files). */
export type Edit =
  | { kind: "write"; path: string; content: string }
  | { kind: "delete"; path: string }
  | { kind: "patch"; diff: string };

export type FileChangeKind = "added" | "modified" | "deleted" | "renamed";

export type FileChange = {
  path: string;
  /** Set for renames: where the file was before. */
  oldPath?: string;
  kind: FileChangeKind;
  added: number;
  removed: number;
};

export type EditErrorCode =
  | "parse" // the diff text could not be read
  | "not_found" // a hunk's context/removed lines are not in the file
  | "ambiguous" // a hunk matches several places with equal confidence
  | "overlap" // two hunks claim the same lines
  | "no_context" // a hunk has no context or removed lines to place it by
  | "missing_file" // patch or delete of a file that does not exist
  | "file_exists" // creation or rename onto an existing file
  | "path" // a path outside the working copy, into .git, or otherwise unsafe
  | "binary" // binary patches are not supported
  | "io"; // the write itself failed (disk)

export type EditError = {
  code: EditErrorCode;
  /** Index into the edits array of the batch. */
  editIndex: number;
  path?: string;
  /** The hunk header as the model wrote it, when the error is about one hunk. */
  hunk?: string;
  hunkIndex?: number;
  hunkCount?: number;
  /** Human- and model-readable explanation, complete on its own. */
  message: string;
};

export type ApplyResult =
  | { ok: true; changes: FileChange[] }
  | { ok: false; errors: EditError[]; modelMessage: string };

/** One hunk as parsed; `lines` keep their ' ', '+', '-', '\' prefixes (jsdiff's representation). */
export type Hunk = {
  /** The header exactly as written, e.g. "@@ -10,7 +10,8 @@ def main():" or just "@@ ... @@". */
  header: string;
  /** 1-based start line in the old file as stated by the header; null when the header gave none. */
  statedOldStart: number | null;
  lines: string[];
};

export type FilePatchKind = "add" | "delete" | "modify" | "rename";

export type FilePatch = {
  kind: FilePatchKind;
  /** Path before the change (null for new files). */
  oldPath: string | null;
  /** Path after the change (null for deletions). */
  newPath: string | null;
  hunks: Hunk[];
  binary: boolean;
};
