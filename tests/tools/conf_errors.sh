#!/usr/bin/env bash
# conf_errors.sh - configuration files the sensor must refuse whole, never read cut: the exact
# message (naming the file, and the line where there is one) and exit status 2. Every file is
# made here.
# usage: conf_errors.sh ZERTSENSOR CAPTURE
set -u
bin=$(realpath "$1")
cap=$(realpath "$2")
work=$(mktemp -d)
trap 'chmod -R u+rwx "$work"; rm -rf "$work"' EXIT
chmod 755 "$work" # the unreadable case runs as another user
fails=0
checks=0

# expect NAME FILE MESSAGE [RUNNER...]: zertsensor -c FILE exits 1 printing exactly MESSAGE
expect() {
    local name=$1 file=$2 want="zertsensor: $3"
    shift 3
    checks=$((checks + 1))
    local got rc
    got=$("$@" "$bin" -c "$file" -r "$cap" -q --flows /dev/null 2>&1 >/dev/null)
    rc=$?
    if [ "$rc" != 2 ] || [ "$got" != "$want" ]; then
        echo "FAIL: $name: exit $rc"
        echo "  got:  ${got:0:400}"
        echo "  want: ${want:0:400}"
        fails=$((fails + 1))
    fi
}

seq_list() { # seq_list N FORMAT SEPARATOR: N formatted items joined
    local out="" i
    for ((i = 0; i < $1; i++)); do
        # shellcheck disable=SC2059
        out+=$(printf "$2" $((i / 256)) $((i % 256)))
        ((i < $1 - 1)) && out+=$3
    done
    printf '%s' "$out"
}

# A network too long for any address: once cut to 63 bytes it read as /0 (every host local).
f=$work/longnet.conf
net="192.168.1.0/$(printf '0%.0s' {1..60})24"
printf 'local_networks = 10.0.0.0/8 %s\n' "$net" >"$f"
expect "network longer than an address" "$f" "$f:1: bad network '$net' in local_networks"

# One network more than CONF_MAX_NETS on one line (65 /24s: more than 1024 bytes).
f=$work/nets65.conf
printf 'local_networks = %s\n' "$(seq_list 65 '10.%d.%d.0/24' ', ')" >"$f"
expect "65 networks on one line" "$f" \
    "$f:1: more than 64 local networks (the limit CONF_MAX_NETS): '10.0.64.0/24' and those after it do not fit"

# The limit counts every line.
f=$work/nets-2lines.conf
{
    printf 'local_networks = %s\n' "$(seq_list 60 '10.%d.%d.0/24' ' ')"
    printf 'local_networks = %s\n' "$(seq_list 5 '172.16.%d.%d/32' ',')"
} >"$f"
expect "networks over two lines" "$f" \
    "$f:2: more than 64 local networks (the limit CONF_MAX_NETS): '172.16.0.4/32' and those after it do not fit"

# A job value whose user id lay beyond byte 63 (it was cut off and the rest accepted).
f=$work/jobvalue.conf
val="CICSPROD$(printf ' %.0s' {1..60})TOOLONGUSER"
printf 'job.5000 = %s\n' "$val" >"$f"
expect "job value longer than 63 bytes" "$f" "$f:1: bad value '$val' for job.5000 (JOBNAME [USERID])"

# A port range longer than 31 bytes (cut, 000...014140 read as port 141).
f=$work/jobkey.conf
key="job.$(printf '0%.0s' {1..28})14140"
printf '%s = CICSPROD\n' "$key" >"$f"
expect "job port longer than 31 bytes" "$f" "$f:1: bad port or port range in '$key'"

# One job more than CONF_MAX_JOBS.
f=$work/jobs65.conf
for ((i = 1; i <= 65; i++)); do printf 'job.%d = JOB%d\n' $((1000 + i)) "$i"; done >"$f"
expect "65 job entries" "$f" "$f:65: more than 64 job entries (the limit CONF_MAX_JOBS)"

# timezone is checked when the file is read, with -o or without.
f=$work/tz.conf
printf 'system = SYSA\ntimezone = Mars/Olympus\n' >"$f"
expect "unknown timezone without -o" "$f" \
    "$f:2: bad value for timezone: unknown time zone: Mars/Olympus (want UTC, +HH:MM or a TZ name)"

# A NUL byte (a binary file given as -c).
f=$work/nul.conf
printf 'system = SYSA\ninterval = 900\0\n' >"$f"
expect "NUL byte" "$f" "$f:2: NUL byte: a configuration file is text"

# A line over CONF_LINE_MAX.
f=$work/longline.conf
{
    printf 'system = SYSA\n# '
    head -c 70000 /dev/zero | tr '\0' x
    printf '\n'
} >"$f"
expect "line over CONF_LINE_MAX" "$f" "$f:2: line longer than 65536 bytes (the limit CONF_LINE_MAX)"

# A directory given as -c.
mkdir "$work/confdir"
expect "directory as -c" "$work/confdir" \
    "$work/confdir: is a directory, not a configuration file"

# A file that does not exist, and one the sensor may not read.
expect "missing file" "$work/none.conf" \
    "$work/none.conf: cannot open the configuration file: No such file or directory"
f=$work/secret.conf
printf 'system = SYSA\n' >"$f"
chmod 000 "$f"
if [ "$(id -u)" = 0 ]; then # root reads any file: run as nobody
    expect "unreadable file" "$f" "$f: cannot open the configuration file: Permission denied" \
        setpriv --reuid=65534 --regid=65534 --clear-groups
else
    expect "unreadable file" "$f" "$f: cannot open the configuration file: Permission denied"
fi

echo "$((checks - fails)) passed, $fails failed"
[ "$fails" = 0 ]
