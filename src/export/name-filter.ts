/**
 * Which metric names go out: those the `allow` expression matches whole and the `deny` expression does
 * not (an empty `deny` denies nothing), as Prometheus's `keep` and `drop` relabelling read `__name__`.
 * Throws, naming the setting, on an expression that does not compile.
 */
export function createNameFilter(allow: string, deny: string, key = "export"): (name: string) => boolean {
  const allowRe = compile(allow, `${key}.allow`);
  const denyRe = deny === "" ? undefined : compile(deny, `${key}.deny`);
  const memo = new Map<string, boolean>();
  return (name) => {
    let ok = memo.get(name);
    if (ok === undefined) {
      ok = allowRe.test(name) && !denyRe?.test(name);
      // Names are few (a few hundred at most): remembering them keeps the regexes off the push path.
      memo.set(name, ok);
    }
    return ok;
  };
}

function compile(pattern: string, key: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (cause) {
    throw new Error(`${key}: not a regular expression: ${(cause as Error).message}`, { cause });
  }
}
