/** One server-sent event as the stream framed it (the WHATWG event-stream format). */
export interface SseMessage {
  /** `event:` field; `message` when absent. */
  event: string;
  data: string;
  /** `id:` field, when the event had one. */
  id?: string;
  /** `retry:` field, ms, when the event had one. */
  retry?: number;
}

/**
 * An incremental parser of `text/event-stream`: feed it text as it arrives, in chunks of any size; it
 * calls `onMessage` once per complete event. Comment lines (`: keepalive`) are skipped, `data:` lines are
 * joined with newlines, CRLF and CR line ends are accepted.
 */
export function createSseParser(onMessage: (message: SseMessage) => void): { feed(text: string): void } {
  let buffered = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;
  let retry: number | undefined;

  const dispatch = () => {
    if (data.length > 0 || event !== "" || retry !== undefined) {
      onMessage({
        event: event || "message",
        data: data.join("\n"),
        ...(id !== undefined ? { id } : {}),
        ...(retry !== undefined ? { retry } : {}),
      });
    }
    event = "";
    data = [];
    id = undefined;
    retry = undefined;
  };

  const line = (text: string) => {
    if (text === "") return dispatch();
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) id = value;
    else if (field === "retry" && /^\d+$/.test(value)) retry = Number(value);
  };

  return {
    feed(text) {
      buffered += text;
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      const re = /\r\n|\r(?!$)|\n/g;
      let from = 0;
      let match: RegExpExecArray | null;
      while ((match = re.exec(buffered)) !== null) {
        line(buffered.slice(from, match.index));
        from = match.index + match[0].length;
      }
      buffered = buffered.slice(from);
    },
  };
}
