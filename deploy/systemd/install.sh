#!/bin/sh
# Installs aiops-agent from the directory this script is in (an unpacked release tarball) as a systemd
# service, or removes it. Safe to run again: an upgrade replaces the program and the unit, keeps a
# configuration you changed, and restarts the service only when something changed.
#
#   sudo ./install.sh                      install or upgrade, enable and start
#   sudo ./install.sh --uninstall          remove it; keep the history (/var/lib/aiops-agent)
#   sudo ./install.sh --uninstall --purge  remove it all: history, configuration, user
#
# What goes where:
#   /usr/local/bin/aiops-agent                    the program
#   /etc/systemd/system/aiops-agent.service       the unit (change it with `systemctl edit aiops-agent`)
#   /etc/aiops-agent/agent.yaml                   configuration, readable by the agent (no secrets)
#   /etc/aiops-agent/env                          secrets (AIOPS_API_TOKEN...), root only, read by systemd
#   /usr/local/share/aiops-agent/                 the defaults as shipped, to compare with yours
#   /usr/local/share/doc/aiops-agent/             README.md, LICENSE and THIRD-PARTY-NOTICES
#   /usr/local/share/man/man1/aiops-agent.1       the manual page (man aiops-agent)
#   /var/lib/aiops-agent/                         the history (SQLite), owned by the aiops-agent user
set -eu

NAME=aiops-agent
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
ROOT=
UNINSTALL=no
PURGE=no
START=yes

usage() {
  cat <<EOF
Usage: install.sh [--root DIR] [--no-start]
       install.sh --uninstall [--purge] [--root DIR]

Installs aiops-agent from this directory as a systemd service: creates the system user aiops-agent,
installs the program, the unit and the configuration (a configuration you changed is kept; the new
default is written beside it as .new), enables the service and starts it (restarts it on upgrade).

  --root DIR    install into DIR instead of / (a chroot, an image being built, a test): the service
                is enabled there but not started
  --no-start    enable the service but do not start or restart it
  --uninstall   stop, disable and remove the program, the unit and the unchanged configuration; keep
                the history in /var/lib/aiops-agent, the user that owns it, and a changed configuration
  --purge       with --uninstall: also remove the history, the whole configuration and the user
  -h, --help    show this help
EOF
}

say() { printf 'aiops-agent: %s\n' "$*"; }
fail() {
  printf 'install.sh: %s\n' "$*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case $1 in
    --root) [ $# -ge 2 ] || fail "--root needs a directory"; ROOT=$2; shift 2 ;;
    --root=*) ROOT=${1#--root=}; shift ;;
    --uninstall) UNINSTALL=yes; shift ;;
    --purge) PURGE=yes; shift ;;
    --no-start) START=no; shift ;;
    -h | --help) usage; exit 0 ;;
    *) printf "install.sh: unknown option '%s'\n\n" "$1" >&2; usage >&2; exit 2 ;;
  esac
done
if [ "$PURGE" = yes ] && [ "$UNINSTALL" = no ]; then
  printf 'install.sh: --purge goes with --uninstall\n\n' >&2; usage >&2; exit 2
fi
if [ -n "$ROOT" ]; then
  [ -d "$ROOT" ] || fail "--root $ROOT: no such directory"
  ROOT=$(CDPATH='' cd -- "$ROOT" && pwd)
  [ "$ROOT" = / ] && ROOT=
fi
[ "$(id -u)" = 0 ] || fail "run it as root (sudo $0): it creates a system user and writes to /usr/local, /etc and /var/lib"

BIN=$ROOT/usr/local/bin/$NAME
UNIT=$ROOT/etc/systemd/system/$NAME.service
WANTS=$ROOT/etc/systemd/system/multi-user.target.wants/$NAME.service
CONF=$ROOT/etc/$NAME
SHARE=$ROOT/usr/local/share/$NAME
DOC=$ROOT/usr/local/share/doc/$NAME
MAN=$ROOT/usr/local/share/man/man1/$NAME.1
DATA=$ROOT/var/lib/$NAME
# The service is started, stopped and reloaded only on the running system under a running systemd.
LIVE=no
if [ -z "$ROOT" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then LIVE=yes; fi
CHANGED=no

user_exists() { grep -q "^$NAME:" "$ROOT/etc/passwd" 2>/dev/null; }
group_exists() { grep -q "^$NAME:" "$ROOT/etc/group" 2>/dev/null; }
uid_of() { awk -F: -v n="$NAME" '$1 == n { print $3 }' "$ROOT/etc/passwd"; }
gid_of() { awk -F: -v n="$NAME" '$1 == n { print $4 }' "$ROOT/etc/passwd"; }
prefix() { if [ -n "$ROOT" ]; then echo "--prefix $ROOT"; fi; }

# Copies $1 to $2 with mode $3 only when they differ (atomically: a running program is never half
# written); says what it did and sets CHANGED.
put() {
  if [ -e "$2" ] && cmp -s "$1" "$2"; then
    say "unchanged $2"
    return
  fi
  mkdir -p "$(dirname "$2")"
  cp "$1" "$2.tmp.$$"
  chmod "$3" "$2.tmp.$$"
  if [ -e "$2" ]; then what=updated; else what=installed; fi
  mv -f "$2.tmp.$$" "$2"
  say "$what $2"
  CHANGED=yes
}

# A configuration file: installed when absent; replaced when it is still the default shipped last time;
# kept when you changed it, with the new default beside it as .new (as dpkg does with .dpkg-dist).
put_config() { # source name mode
  target=$CONF/$2
  shipped=$SHARE/$2
  if [ ! -e "$target" ]; then
    put "$1" "$target" "$3"
  elif cmp -s "$1" "$target"; then
    say "unchanged $target"
    rm -f "$target.new"
  elif [ -e "$shipped" ] && cmp -s "$shipped" "$target"; then
    put "$1" "$target" "$3"
  else
    cp "$1" "$target.new"
    chmod "$3" "$target.new"
    say "kept $target (you changed it); the new default is $target.new: diff them and merge by hand"
  fi
}

ensure_user() {
  if user_exists; then
    say "unchanged user $NAME"
    return
  fi
  command -v useradd >/dev/null 2>&1 || fail "useradd not found (package passwd or shadow-utils): cannot create the user $NAME"
  nologin=/usr/sbin/nologin
  [ -x "$ROOT$nologin" ] || [ ! -x "$ROOT/sbin/nologin" ] || nologin=/sbin/nologin
  if group_exists; then group="-g $NAME"; else group=--user-group; fi
  # shellcheck disable=SC2046,SC2086 # prefix and group are option lists
  useradd $(prefix) --system $group --home-dir /var/lib/$NAME --no-create-home --shell "$nologin" \
    --comment "aiops-agent host monitoring agent" "$NAME"
  say "created system user $NAME"
}

remove_user() {
  if user_exists; then
    # shellcheck disable=SC2046
    userdel $(prefix) "$NAME"
    say "removed user $NAME"
  fi
  if group_exists; then
    # shellcheck disable=SC2046
    groupdel $(prefix) "$NAME"
  fi
}

enable_service() {
  if [ "$LIVE" = yes ]; then
    systemctl daemon-reload
    systemctl enable "$NAME.service" >/dev/null 2>&1 || systemctl enable "$NAME.service"
    say "enabled $NAME.service"
  elif [ ! -L "$WANTS" ]; then
    # Offline (another root, or no systemd running): the link `systemctl enable` makes, for the next boot.
    mkdir -p "$(dirname "$WANTS")"
    ln -sfn "/etc/systemd/system/$NAME.service" "$WANTS"
    say "enabled $NAME.service (multi-user.target)"
  else
    say "unchanged: $NAME.service enabled"
  fi
}

start_service() {
  if [ "$START" = no ]; then
    say "not started (--no-start): systemctl start $NAME"
    return
  fi
  if [ "$LIVE" = no ]; then
    if [ -n "$ROOT" ]; then say "installed into $ROOT: the service starts when that system boots"; else say "systemd is not running here: the service starts at the next boot"; fi
    return
  fi
  if [ "$CHANGED" = yes ] || ! systemctl is-active --quiet "$NAME.service"; then
    systemctl restart "$NAME.service"
    say "started $NAME.service"
  else
    say "unchanged: $NAME.service running"
  fi
  # Ready means configuration loaded and first collection done (/readyz); a few seconds after start.
  tries=0
  until "$BIN" healthcheck >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ $tries -ge 30 ] || ! systemctl is-active --quiet "$NAME.service"; then
      "$BIN" healthcheck || true
      fail "$NAME.service is not ready: journalctl -u $NAME -n 50"
    fi
    sleep 1
  done
  ready=$("$BIN" healthcheck)
  say "$ready"
  base=$(printf '%s\n' "$ready" | sed -n 's|^ready: \(.*\)/readyz .*|\1|p')
  say "metrics at $base/metrics; watch it live with: $NAME tui --url $base"
}

install_all() {
  for f in "$NAME" "$NAME.service" "$NAME.1" agent.yaml env.example README.md LICENSE THIRD-PARTY-NOTICES; do
    [ -e "$HERE/$f" ] || fail "$HERE/$f is missing: run install.sh from the unpacked release tarball"
  done
  # Check the program runs here before anything is changed (the tarball of the wrong architecture).
  if [ -z "$ROOT" ] && ! "$HERE/$NAME" --version >/dev/null 2>&1; then
    fail "$HERE/$NAME does not run on this machine ($(uname -m)): take the tarball of this architecture"
  fi
  ensure_user
  put "$HERE/$NAME" "$BIN" 0755
  put "$HERE/$NAME.service" "$UNIT" 0644
  put "$HERE/$NAME.1" "$MAN" 0644
  mkdir -p "$CONF"
  chmod 0755 "$CONF"
  put_config "$HERE/agent.yaml" agent.yaml 0644
  # Secrets live here: root only (systemd reads it as root and hands the values to the agent).
  put_config "$HERE/env.example" env 0600
  # What was shipped, so the next upgrade can tell a default from a file you changed.
  mkdir -p "$SHARE" "$DOC"
  for f in agent.yaml env.example; do cp "$HERE/$f" "$SHARE/$f"; done
  cp "$HERE/README.md" "$HERE/LICENSE" "$HERE/THIRD-PARTY-NOTICES" "$DOC/"
  # The history: StateDirectory= creates it too; made here so its owner is right from the start.
  mkdir -p "$DATA"
  chown "$(uid_of):$(gid_of)" "$DATA"
  chmod 0700 "$DATA"
  if "$BIN" --version >/dev/null 2>&1; then
    "$BIN" check-config --config "$CONF/agent.yaml" >/dev/null ||
      fail "$CONF/agent.yaml is not valid (above): fix it, then run install.sh again"
  fi
  enable_service
  start_service
  say "$("$BIN" --version 2>/dev/null || echo "$NAME") installed; configuration in /etc/$NAME, history in /var/lib/$NAME"
}

uninstall_all() {
  if [ "$LIVE" = yes ] && [ -e "$UNIT" ]; then
    systemctl disable --now "$NAME.service" >/dev/null 2>&1 || systemctl disable --now "$NAME.service"
    say "stopped and disabled $NAME.service"
  fi
  rm -f "$WANTS"
  rmdir "$(dirname "$WANTS")" 2>/dev/null || true
  for f in "$BIN" "$UNIT" "$MAN"; do
    if [ -e "$f" ]; then rm -f "$f" && say "removed $f"; fi
  done
  if [ "$LIVE" = yes ]; then systemctl daemon-reload; fi
  # The configuration goes when it is as shipped; a file you changed stays unless --purge.
  for pair in agent.yaml:agent.yaml env:env.example; do
    file=$CONF/${pair%%:*}
    shipped=$SHARE/${pair#*:}
    rm -f "$file.new"
    [ -e "$file" ] || continue
    if [ "$PURGE" = yes ] || { [ -e "$shipped" ] && cmp -s "$shipped" "$file"; }; then
      rm -f "$file" && say "removed $file"
    else
      say "kept $file (you changed it; --purge removes it)"
    fi
  done
  rmdir "$CONF" 2>/dev/null || true
  rm -rf "$SHARE" "$DOC"
  if [ "$PURGE" = yes ]; then
    rm -rf "$CONF" "$DATA"
    say "removed /etc/$NAME and the history /var/lib/$NAME"
    remove_user
  elif [ -d "$DATA" ]; then
    say "kept the history in /var/lib/$NAME and the user $NAME that owns it (--uninstall --purge removes them)"
  fi
  say "uninstalled"
}

if [ "$UNINSTALL" = yes ]; then uninstall_all; else install_all; fi
