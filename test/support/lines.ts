/** The lines of a child's output stream as they come, without their newline. */
export async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
    }
  }
  if (buffered !== "") yield buffered;
}

/** Collects a child's JSON log lines into `into` as they come (a line that is not JSON is kept as its message). */
export function collectJsonLines(stream: ReadableStream<Uint8Array>, into: Array<Record<string, unknown>>): Promise<void> {
  return (async () => {
    for await (const line of linesOf(stream)) {
      try {
        into.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        into.push({ message: line });
      }
    }
  })();
}
