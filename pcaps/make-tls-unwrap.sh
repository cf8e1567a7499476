#!/usr/bin/env bash
# make-tls-unwrap.sh - records pcaps/tls-unwrap.pcap on loopback: a TLS 1.2 session that ends
# with close_notify while the TCP connection goes on in clear text (Python ssl's unwrap()), the
# "TLS ended while TCP continues" protection change. Needs root (tcpdump on lo).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/tls-unwrap.pcap}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 30 -subj "/CN=unwrap.zertsensor.test" 2>/dev/null
tcpdump -i lo -U -s 0 -w "$work/cap.pcap" 'tcp port 44304' 2>/dev/null &
tcpdump_pid=$!
sleep 1
python3 - "$work" <<'PY'
import socket, ssl, sys, threading, time
work = sys.argv[1]
sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(work + "/cert.pem", work + "/key.pem")
sctx.maximum_version = ssl.TLSVersion.TLSv1_2
sctx.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 44304)); ls.listen(1)
def server():
    c, _ = ls.accept()
    t = sctx.wrap_socket(c, server_side=True)
    t.recv(100); t.sendall(b"secret reply\n")
    plain = t.unwrap()                 # close_notify both ways; TCP stays open
    plain.recv(100); plain.sendall(b"clear reply after TLS\n")
    plain.close()
th = threading.Thread(target=server); th.start()
cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
cctx.check_hostname = False; cctx.verify_mode = ssl.CERT_NONE
c = socket.create_connection(("127.0.0.1", 44304))
t = cctx.wrap_socket(c, server_hostname="unwrap.zertsensor.test")
t.sendall(b"secret request\n"); t.recv(100)
time.sleep(0.5)
plain = t.unwrap()
plain.sendall(b"clear request after TLS\n"); plain.recv(100)
plain.close(); th.join(); ls.close()
PY
sleep 1
kill "$tcpdump_pid"; wait "$tcpdump_pid" 2>/dev/null || true
cp "$work/cap.pcap" "$out"
echo "wrote $out"
