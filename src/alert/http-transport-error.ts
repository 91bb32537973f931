/**
 * No answer came: why, and whether another attempt might do better. The message names no URL. Apart
 * from `http-client.ts`, so that judging an attempt (`http-send.ts`) does not load undici.
 */
export class HttpTransportError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "HttpTransportError";
  }
}
