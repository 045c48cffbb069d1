export { initRepository, checkCloneUrl, type RepositorySource, type InitRepositoryResult } from "./init-repository";
export { readTree, readFile, type TreeEntry, type RepositoryFile } from "./read-repository";
export { createRunWorktree, removeRunWorktree, cleanupWorktrees, listWorktrees, runWorktreePath, type RunWorktree } from "./run-worktree";
export { commitStep } from "./commit-step";
export { diffRun, formatPatch, splitGitDiff, withLargePatchesHeld, type DiffFile, type DiffFileStatus, type RunDiff } from "./diff-run";
export { mergeRun, type MergeRunResult } from "./merge-run";
export { AUTOCODE_AUTHOR, withRepoLock } from "./run-git";
