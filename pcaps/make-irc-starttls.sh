#!/usr/bin/env bash
# make-irc-starttls.sh - records pcaps/irc-starttls.pcap on loopback: IRC STARTTLS (numeric 670)
# from `openssl s_client -starttls irc` to a small Python IRC server, then TLS 1.2; and one
# refused STARTTLS (numeric 691) that stays clear text. Needs root (tcpdump on lo).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/irc-starttls.pcap}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 30 -subj "/CN=irc.zertsensor.test" 2>/dev/null
tcpdump -i lo -U -s 0 -w "$work/cap.pcap" 'tcp port 46667 or tcp port 46668' 2>/dev/null &
tcpdump_pid=$!
sleep 1
python3 - "$work" <<'PY' &
import socket, ssl, sys
work = sys.argv[1]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(work + "/cert.pem", work + "/key.pem")
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.set_ciphers("ECDHE-RSA-AES256-GCM-SHA384")
def serve(port, accept_tls):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(1)
    c, _ = s.accept()
    c.sendall(b":irc.zertsensor.test 020 * :Please wait while we process your connection.\r\n")
    line = b""
    while not line.endswith(b"\n"):
        d = c.recv(1)
        if not d:
            return
        line += d
    if accept_tls and line.strip() == b"STARTTLS":
        c.sendall(b":irc.zertsensor.test 670 * :STARTTLS successful, go ahead with TLS handshake\r\n")
        t = ctx.wrap_socket(c, server_side=True)
        t.recv(100)
        t.sendall(b":irc.zertsensor.test 001 nick :Welcome\r\n")
        t.close()
    else:
        c.sendall(b":irc.zertsensor.test 691 * :STARTTLS failure\r\n")
        c.recv(100)
        c.close()
    s.close()
import threading
a = threading.Thread(target=serve, args=(46667, True)); a.start()
b = threading.Thread(target=serve, args=(46668, False)); b.start()
a.join(); b.join()
PY
server_pid=$!
sleep 1
(echo "NICK nick"; sleep 1) | openssl s_client -connect 127.0.0.1:46667 -starttls irc -quiet \
    >/dev/null 2>&1 || true
python3 -c '
import socket
c = socket.create_connection(("127.0.0.1", 46668))
c.recv(200); c.sendall(b"STARTTLS\r\n"); c.recv(200); c.sendall(b"QUIT\r\n"); c.close()
'
wait "$server_pid" 2>/dev/null || true
sleep 1
kill "$tcpdump_pid"; wait "$tcpdump_pid" 2>/dev/null || true
cp "$work/cap.pcap" "$out"
echo "wrote $out"
