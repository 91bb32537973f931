import { createHash, timingSafeEqual } from "node:crypto";
import { HttpError } from "./http.ts";

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/**
 * Checks `Authorization: Bearer <token>` against the configured token. Both sides are hashed first so
 * the comparison takes the same time whatever the length or content of the guess.
 */
export function checkBearer(request: Request, token: string | undefined): void {
  if (token === undefined) return;
  const header = request.headers.get("authorization") ?? "";
  const match = header.match(/^Bearer\s+(.+)$/i);
  const challenge = { "www-authenticate": 'Bearer realm="aiops-agent"' };
  if (!match) throw new HttpError(401, "unauthorized", "this endpoint needs an Authorization: Bearer <token> header", challenge);
  if (!timingSafeEqual(digest(match[1]!.trim()), digest(token))) {
    throw new HttpError(401, "unauthorized", "the bearer token is not valid", challenge);
  }
}
