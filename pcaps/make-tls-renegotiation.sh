#!/bin/sh
# make-tls-renegotiation.sh - TLS 1.2 renegotiation and TLS 1.3 KeyUpdate captures on loopback.
#
# Makes pcaps/tls-renegotiation.pcap (TLS 1.2, client-initiated renegotiation: s_client's
# "R" command), pcaps/tls-plain12.pcap (the same TLS 1.2 session without renegotiation,
# the negative case) and pcaps/tls13-keyupdate.pcap (TLS 1.3, s_client's "K" command:
# KeyUpdate with update_requested). Needs root (tcpdump on lo), openssl, tcpdump.
# Keys are throwaway: generated in a temporary directory and deleted; never committed.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'kill $SRV $DUMP 2>/dev/null || true; rm -rf "$TMP"' EXIT INT TERM
SRV=
DUMP=

openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=zertsensor.test \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null

# capture NAME PORT SERVER_FLAGS CLIENT_FLAGS COMMANDS
capture()
{
    name=$1 port=$2 sflags=$3 cflags=$4 cmds=$5
    tcpdump -i lo -U -w "$TMP/$name" "tcp port $port" 2>/dev/null &
    DUMP=$!
    sleep 30 | openssl s_server -accept "127.0.0.1:$port" -cert "$TMP/cert.pem" -key "$TMP/key.pem" \
        -naccept 1 -quiet $sflags >/dev/null 2>&1 &
    SRV=$!
    sleep 1
    (for c in $cmds; do sleep 1; echo "$c"; done; sleep 1) |
        openssl s_client -connect "127.0.0.1:$port" -servername zertsensor.test $cflags \
            >/dev/null 2>&1 || true
    sleep 1
    kill $SRV 2>/dev/null || true
    wait $SRV 2>/dev/null || true
    kill $DUMP
    wait $DUMP 2>/dev/null || true
    cp "$TMP/$name" "$HERE/$name"
    echo "wrote pcaps/$name"
}

capture tls-renegotiation.pcap 44301 "-client_renegotiation" "-tls1_2" "hello R again"
capture tls-plain12.pcap 44302 "" "-tls1_2" "hello again"
capture tls13-keyupdate.pcap 44303 "" "-tls1_3" "hello K again"
