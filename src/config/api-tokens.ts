import { z } from "zod";
import { oneOf, optionalText, requiredText, secretFile } from "./fields.ts";

/** What a token may do: `read` the API, or `write` (read and change state: silences, later approvals). */
export const TOKEN_SCOPES = ["read", "write"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/**
 * One bearer token of `server.tokens`: a name (the creator of the silences it adds, and what the log
 * names), the token itself or the file holding it, and its scope.
 */
export const apiTokenSchema = () =>
  z
  .strictObject({
    name: requiredText({
      doc: "Who holds the token: recorded as the creator of what it changes.",
      pattern: /^[A-Za-z0-9][A-Za-z0-9@._-]{0,63}$/,
      allowed: "1 to 64 letters, digits, @ . _ - (starting with a letter or digit)",
    }),
    token: optionalText({ doc: "The bearer token (at least 16 characters).", secret: true, env: false }),
    token_file: secretFile({ doc: "File holding the bearer token.", of: "token" }),
    scope: oneOf(TOKEN_SCOPES, { doc: "read: GET the API; write: also change state (silences).", default: "read", env: false }),
  })
  .superRefine((t, ctx) => {
    if (t.token === undefined && t.token_file === undefined) ctx.addIssue({ code: "custom", path: ["token"], message: "required (or token_file)" });
    if (t.token !== undefined && t.token_file !== undefined) ctx.addIssue({ code: "custom", path: ["token_file"], message: "set only one of token and token_file" });
    if (t.token !== undefined) checkTokenText(t.token, ["token"], ctx);
  });

/** Shortest token accepted: a guessable token is no protection. */
export const MIN_TOKEN_LENGTH = 16;

/** Why a token cannot be used, or undefined: it must be long enough and plain text (it travels in a header). */
export function tokenProblem(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH) return `expected at least ${MIN_TOKEN_LENGTH} characters (for example: openssl rand -hex 24)`;
  if (!/^[\x21-\x7e]+$/.test(token)) return "expected printable ASCII without spaces (it is sent in an Authorization header)";
  return undefined;
}

/** `tokenProblem` as a validation issue at `path`. */
export function checkTokenText(token: string, path: PropertyKey[], ctx: z.RefinementCtx): void {
  const problem = tokenProblem(token);
  if (problem) ctx.addIssue({ code: "custom", path, message: problem });
}

export type ApiTokenConfig = z.output<ReturnType<typeof apiTokenSchema>>;
