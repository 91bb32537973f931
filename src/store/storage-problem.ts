/**
 * Why the store cannot keep history in its file. Each one leaves the agent running with history in
 * memory (see `open-database.ts`); `/readyz` and the log show it with a sentence.
 */
export type StorageProblem =
  | "read_only"
  | "disk_full"
  | "corrupt"
  | "io_error"
  /** The file belongs to a newer agent; it is left untouched. */
  | "newer_schema"
  /** Another process holds the database past the busy time-out (two agents on one data directory). */
  | "locked";

const READ_ONLY_ERRNOS = new Set(["EACCES", "EPERM", "EROFS", "ENOTDIR", "EEXIST", "EISDIR"]);

/**
 * Sorts an error from the filesystem or from SQLite into a storage problem; undefined for anything
 * else (a bug in a query, or a lock another process holds), which callers must not hide by falling
 * back to memory.
 */
export function storageProblem(error: unknown): StorageProblem | undefined {
  const code = errorCode(error);
  if (code === undefined) return undefined;
  if (code === "SQLITE_FULL" || code === "ENOSPC" || code === "EDQUOT") return "disk_full";
  if (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB") return "corrupt";
  if (
    code.startsWith("SQLITE_READONLY") ||
    // SQLite cannot open or create the file (or its -wal and -shm companions) in the directory.
    code.startsWith("SQLITE_CANTOPEN") ||
    code === "SQLITE_PERM" ||
    code === "SQLITE_AUTH" ||
    READ_ONLY_ERRNOS.has(code)
  ) {
    return "read_only";
  }
  if (code.startsWith("SQLITE_IOERR") || code === "EIO") return "io_error";
  return undefined;
}

/** `SQLITE_FULL`, `EACCES`...: the code of a SQLite or Node filesystem error. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** One line for a log or `/readyz`: the error's code and message, without a stack. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
