#!/usr/bin/env bash
# make-zert-events.sh - records pcaps/zert-events.pcap on loopback: a 2 s TCP connection (a zERT
# short_term event) and a 30 s one (init at 10 s, then term), both clear text. Needs root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/zert-events.pcap}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
tcpdump -i lo -U -s 0 -w "$work/cap.pcap" 'tcp port 44401 or tcp port 44402' 2>/dev/null &
tcpdump_pid=$!
sleep 1
python3 - <<'PY'
import socket, threading, time

def server(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(1)
    c, _ = s.accept()
    while True:
        d = c.recv(100)
        if not d:
            break
        c.sendall(b"ack " + d)
    c.close(); s.close()

def client(port, seconds, messages):
    c = socket.create_connection(("127.0.0.1", port))
    for i in range(messages):
        c.sendall(b"message %d\n" % i); c.recv(100)
        time.sleep(seconds / messages)
    c.close()

threads = [threading.Thread(target=server, args=(p,)) for p in (44401, 44402)]
for t in threads: t.start()
time.sleep(0.5)
a = threading.Thread(target=client, args=(44401, 2.0, 2))
b = threading.Thread(target=client, args=(44402, 30.0, 6))
a.start(); b.start(); a.join(); b.join()
for t in threads: t.join()
PY
sleep 1
kill "$tcpdump_pid"; wait "$tcpdump_pid" 2>/dev/null || true
cp "$work/cap.pcap" "$out"
echo "wrote $out"
