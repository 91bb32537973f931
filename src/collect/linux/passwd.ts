/** Parses /etc/passwd into user names by uid (`name:x:uid:gid:…`); malformed lines are skipped. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const [name, , uid] = line.split(":");
    if (!name || uid === undefined || !/^\d+$/.test(uid)) continue;
    const id = Number(uid);
    // The first entry wins, as getpwuid(3) reads the file.
    if (!users.has(id)) users.set(id, name);
  }
  return users;
}
