#!/usr/bin/env bash
# make-quickstart.sh - records pcaps/quickstart.pcap on loopback: a TLS 1.2 and a TLS 1.3 session
# (openssl s_server/s_client) and a clear-text exchange (python3). Needs root (tcpdump on lo).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/quickstart.pcap}
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
# A throwaway self-signed certificate: never committed, gone with $work.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 30 -subj "/CN=quickstart.zertsensor.test" 2>/dev/null
tcpdump -i lo -U -s 0 -w "$work/cap.pcap" 'tcp port 44312 or tcp port 44313 or tcp port 44380' \
    2>/dev/null &
pids+=($!)
sleep 1
openssl s_server -accept 44312 -cert "$work/cert.pem" -key "$work/key.pem" -tls1_2 -quiet \
    </dev/null >/dev/null 2>&1 &
pids+=($!)
openssl s_server -accept 44313 -cert "$work/cert.pem" -key "$work/key.pem" -tls1_3 -quiet \
    </dev/null >/dev/null 2>&1 &
pids+=($!)
python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 44380)); s.listen(1)
c, _ = s.accept(); c.recv(100); c.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello in clear text\n"); c.close()
' &
pids+=($!)
sleep 1
(echo "hello over TLS 1.2"; sleep 1) | openssl s_client -connect 127.0.0.1:44312 -tls1_2 \
    -cipher ECDHE-RSA-AES128-GCM-SHA256 -servername quickstart.zertsensor.test -quiet \
    >/dev/null 2>&1 || true
(echo "hello over TLS 1.3"; sleep 1) | openssl s_client -connect 127.0.0.1:44313 -tls1_3 \
    -ciphersuites TLS_AES_256_GCM_SHA384 -groups X25519 -servername quickstart.zertsensor.test \
    -quiet >/dev/null 2>&1 || true
printf 'GET / HTTP/1.0\r\n\r\n' | python3 -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", 44380)); c.sendall(sys.stdin.buffer.read())
while c.recv(100): pass
'
sleep 1
kill "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
cp "$work/cap.pcap" "$out"
echo "wrote $out ($(tcpdump -r "$out" 2>/dev/null | wc -l) packets)"
