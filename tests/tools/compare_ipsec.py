#!/usr/bin/env python3
"""compare_ipsec.py - zertsensor's IKE SAs and ESP/AH SPIs against tshark and corpus baselines.

Usage: compare_ipsec.py [--sanitizers-only] ZERTSENSOR CORPUS_DIR [CAPTURE...]

For every corpus capture tagged IKEv1, IKEv2, ESP, AH, NAT-T or ISAKMP in INDEX.tsv (or
the captures named), runs `zertsensor -r CAPTURE -q --observations -` and tshark, and
compares:
  - IKE: the set of initiator SPIs; per SA the responder SPI, the IKE version, and the
    responder's chosen transform (IKEv1 Main/Aggressive: encryption, key length, hash,
    auth method, group, life; IKEv2 IKE_SA_INIT response: ENCR, key length, PRF, INTEG,
    KE); the same against zeek-spicy-ipsec ipsec.log, suricata-verify test.yaml and
    arkime .test expectations where they exist;
  - ESP/AH: per (source, destination, SPI) the packet count.
Every difference must be listed in ALLOWED with its reason; anything else fails.
Any AddressSanitizer/UBSan/LeakSanitizer report on stderr fails too; with
--sanitizers-only, only that is checked (no tshark needed).
"""
import collections
import json
import os
import re
import subprocess
import sys

TAGS = ("IKEv1", "IKEv2", "ESP", "AH", "NAT-T", "ISAKMP")

# (capture, check, key) -> why the difference is expected. `key` is what the check
# reports (an SPI, "src>dst/spi", a field name); "*" allows every key of that check.
ALLOWED = {
    ("zeek/ipv6_zero_len_ah.pcap", "ah_packets", "*"):
        "AH with payload length 0 (an 8-byte header, below RFC 4302's 12-byte minimum) is "
        "rejected by decode (ah_bad_header); tshark shows SPI 0 and also counts the copy "
        "quoted inside an ICMPv6 error",
    ("tcpdump/esp_truncated.pcap", "esp_packets", "*"):
        "the only packet is a first IPv4 fragment (MF set) whose other fragments are not in "
        "the capture: decode holds it for reassembly; tshark dissects the 4 bytes it has",
    ("tcpdump/ikev1_id_ipv6_addr_subnet-oobr.pcap", "ike_spis", "*"):
        "fuzzed IPv4 header (fragment fields, total length past the capture): decode rejects "
        "it (frag_bad), tshark dissects the bytes anyway",
    ("tcpdump/isakmp-various-oobr.pcap", "ike_spis", "*"):
        "fuzzed IPv4 header: decode rejects it (frag_bad), tshark dissects the bytes anyway",
    ("tcpdump/isakmpv1-attr-oobr.pcap", "ike_spis", "*"):
        "fuzzed IPv4 header: decode rejects it (frag_bad), tshark dissects the bytes anyway",
    ("tcpdump/isakmp-delete-segfault.pcap", "ike_spis", "*"):
        "fuzzed ISAKMP header whose length field is below 28: not taken as IKE",
    ("tcpdump/isakmp-ikev1_n_print-oobr.pcap", "ike_spis", "*"):
        "fuzzed ISAKMP header (bad version or length): not taken as IKE",
}

FIELDS = [
    "frame.number", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "esp.spi", "ah.spi", "isakmp.ispi", "isakmp.rspi", "isakmp.version",
    "isakmp.exchangetype", "isakmp.flags", "isakmp.prop.protoid",
    "isakmp.ike.attr.encryption_algorithm", "isakmp.ike.attr.hash_algorithm",
    "isakmp.ike.attr.authentication_method", "isakmp.ike.attr.group_description",
    "isakmp.ike.attr.key_length", "isakmp.ike.attr.life_duration",
    "isakmp.tf.type", "isakmp.tf.id.encr", "isakmp.tf.id.prf", "isakmp.tf.id.integ",
    "isakmp.tf.id.dh",
    "isakmp.ike2.attr.key_length",
]

V1_SETUP = {1, 2, 3, 4}
EXCH_NAME = {1: "base", 2: "main", 3: "auth_only", 4: "aggressive", 34: "ike_sa_init"}


class Report:
    def __init__(self):
        self.fail = 0
        self.allowed = 0
        self.n = collections.Counter()

    def diff(self, cap, check, key, msg):
        reason = ALLOWED.get((cap, check, key)) or ALLOWED.get((cap, check, "*"))
        if reason:
            self.allowed += 1
            print(f"  allowed  {cap}: {check} {key}: {msg} ({reason})")
        else:
            self.fail += 1
            print(f"  DIFF     {cap}: {check} {key}: {msg}")


def ipsec_captures(corpus):
    caps = []
    with open(os.path.join(corpus, "INDEX.tsv")) as f:
        head = f.readline().rstrip("\n").split("\t")
        ti = head.index("tags")
        for line in f:
            row = line.rstrip("\n").split("\t")
            tags = row[ti].split(",")
            if any(t.startswith(TAGS) for t in tags):
                caps.append(row[0])
    return caps


SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehavior")


def run_sensor(binary, path):
    out = subprocess.run([binary, "-r", path, "-q", "--observations", "-"],
                         capture_output=True, text=True)
    if out.returncode not in (0, 1):
        raise RuntimeError(f"zertsensor exit {out.returncode}: {out.stderr}")
    lines = [json.loads(x) for x in out.stdout.splitlines() if x.strip()]
    return lines, out.stderr


def run_tshark(path):
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,", "-d", "udp.port==4500,udpencap"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True)
    rows = []
    for line in out.stdout.splitlines():
        vals = line.split("\t")
        vals += [""] * (len(FIELDS) - len(vals))
        rows.append({k: (v.split(",") if v else []) for k, v in zip(FIELDS, vals)})
    return rows


def num(v):
    try:
        return int(v, 0)
    except (TypeError, ValueError):
        return None


def first(row, key):
    v = row.get(key) or []
    return num(v[0]) if v else None


def hexspi(v):
    return v.lower().replace(":", "")


# ---- tshark side ----

def tshark_ike(rows):
    """initiator SPI -> {version, spi_r, exchange, chosen{...}} from tshark's ISAKMP tree."""
    sas = {}
    for r in rows:
        if not r["isakmp.ispi"]:
            continue
        protos = r["frame.protocols"][0].split(":") if r["frame.protocols"] else []
        if "icmp" in protos or "icmpv6" in protos:
            continue
        ver = num(r["isakmp.version"][0]) if r["isakmp.version"] else None
        if ver is None or (ver >> 4) not in (1, 2):
            continue
        ispi = hexspi(r["isakmp.ispi"][0])
        rspi = hexspi(r["isakmp.rspi"][0]) if r["isakmp.rspi"] else ""
        exch = first(r, "isakmp.exchangetype")
        flags = first(r, "isakmp.flags") or 0
        sa = sas.setdefault(ispi, {"version": ver >> 4, "spi_r": None, "exchange": None,
                                   "chosen": None})
        if rspi and set(rspi) != {"0"} and not sa["spi_r"]:
            sa["spi_r"] = rspi
        if ver >> 4 == 1:
            if exch in V1_SETUP and not sa["exchange"]:
                sa["exchange"] = EXCH_NAME[exch]
            response = bool(rspi) and set(rspi) != {"0"}
            if (exch in V1_SETUP and response and not flags & 1 and sa["chosen"] is None
                    and r["isakmp.ike.attr.encryption_algorithm"]):
                sa["chosen"] = {
                    "encr_id": first(r, "isakmp.ike.attr.encryption_algorithm"),
                    "hash_id": first(r, "isakmp.ike.attr.hash_algorithm"),
                    "auth_id": first(r, "isakmp.ike.attr.authentication_method"),
                    "dh_group": first(r, "isakmp.ike.attr.group_description"),
                    "key_bits": first(r, "isakmp.ike.attr.key_length"),
                    "life": first(r, "isakmp.ike.attr.life_duration"),
                }
        else:
            if exch == 34:
                sa["exchange"] = "ike_sa_init"
            types = r["isakmp.tf.type"]
            one_choice = len(types) == len(set(types)) and len(r["isakmp.prop.protoid"]) == 1
            if (exch == 34 and flags & 0x20 and sa["chosen"] is None and r["isakmp.tf.id.encr"]
                    and one_choice):
                sa["chosen"] = {
                    "encr_id": first(r, "isakmp.tf.id.encr"),
                    "prf_id": first(r, "isakmp.tf.id.prf"),
                    "integ_id": first(r, "isakmp.tf.id.integ"),
                    "dh_group": first(r, "isakmp.tf.id.dh"),
                    "key_bits": first(r, "isakmp.ike2.attr.key_length"),
                }
    return sas


def last_ip(r, proto_names, stop):
    """The addresses of the last IP header before the `stop` layer."""
    protos = r["frame.protocols"][0].split(":") if r["frame.protocols"] else []
    if stop not in protos:
        return None
    upto = protos[:protos.index(stop)]
    if "icmp" in upto or "icmpv6" in upto:
        return "quoted"
    n4 = upto.count("ip")
    n6 = upto.count("ipv6")
    last = max((i for i, p in enumerate(upto) if p in ("ip", "ipv6")), default=None)
    if last is None:
        return None
    if upto[last] == "ip":
        return r["ip.src"][n4 - 1], r["ip.dst"][n4 - 1]
    return r["ipv6.src"][n6 - 1], r["ipv6.dst"][n6 - 1]


def tshark_spis(rows, layer, field):
    """(src, dst, spi) -> packets; plus packets tshark shows quoted inside ICMP errors."""
    count = collections.Counter()
    quoted = 0
    for r in rows:
        if not r[field]:
            continue
        where = last_ip(r, None, layer)
        if where == "quoted":
            quoted += 1
            continue
        if where is None:
            continue
        spi = "%08x" % int(r[field][0], 16)
        count[(where[0], where[1], spi)] += 1
    return count, quoted


# ---- zertsensor side ----

def sensor_facts(lines):
    pairs = [l for l in lines if l.get("dissector") == "ipsec"]
    flows = [l for l in lines if l.get("dissector") == "ike"]
    sas = {}
    for p in pairs:
        for sa in p["ipsec"]["ike_sas"]:
            # a pair idle for longer than udp_timeout ends and a later datagram starts a new
            # one (docs/ipsec.md), while tshark keeps one SA per SPI for the whole capture:
            # an SA seen in several pair lifetimes is their union, earliest facts first
            have = sas.setdefault(sa["spi_i"], dict(sa))
            for k, v in sa.items():
                if have.get(k) in (None, [], "") and v not in (None, [], ""):
                    have[k] = v
    esp = collections.Counter()
    ah = collections.Counter()
    for p in pairs:
        for s in p["ipsec"]["esp"]:
            esp[(s["src"], s["dst"], s["spi"])] += s["packets"]
        for s in p["ipsec"]["ah"]:
            ah[(s["src"], s["dst"], s["spi"])] += s["packets"]
    flow_sas = {}
    for f in flows:
        # an SA spans flows (UDP 500, then 4500): only the flow that saw the choice counts
        for sa in f["ipsec"]["ike_sas"]:
            if sa["transforms_observed"]:
                flow_sas.setdefault(sa["spi_i"], sa)
    return sas, flow_sas, esp, ah


CHOSEN_KEYS_V1 = ("encr_id", "hash_id", "auth_id", "dh_group", "key_bits")
CHOSEN_KEYS_V2 = ("encr_id", "prf_id", "integ_id", "dh_group", "key_bits")


def ours_life(sa):
    lt = sa.get("lifetime")
    if not lt:
        return None
    return lt.get("seconds") if lt.get("seconds") is not None else lt.get("kilobytes")


def compare_sa(rep, cap, spi, t, o):
    rep.n["sas"] += 1
    if t["version"] != (1 if o["ike_version"] == "1.0" else 2):
        rep.diff(cap, "ike_version", spi, f"tshark {t['version']} ours {o['ike_version']}")
    if t["spi_r"] != o["spi_r"]:
        rep.diff(cap, "spi_r", spi, f"tshark {t['spi_r']} ours {o['spi_r']}")
    if t["exchange"] != o["exchange"]:
        rep.diff(cap, "exchange", spi, f"tshark {t['exchange']} ours {o['exchange']}")
    tc = t["chosen"]
    if tc is None and not o["transforms_observed"]:
        return
    if (tc is None) != (not o["transforms_observed"]):
        rep.diff(cap, "chosen", spi, f"tshark {tc} ours transforms_observed="
                 f"{o['transforms_observed']}")
        return
    rep.n["chosen_sas"] += 1
    keys = CHOSEN_KEYS_V1 if t["version"] == 1 else CHOSEN_KEYS_V2
    for k in keys:
        rep.n["chosen_fields"] += 1
        if tc[k] != o.get(k):
            rep.diff(cap, "chosen." + k, spi, f"tshark {tc[k]} ours {o.get(k)}")
    if t["version"] == 1:
        rep.n["chosen_fields"] += 1
        if tc["life"] != ours_life(o):
            rep.diff(cap, "chosen.life", spi, f"tshark {tc['life']} ours {ours_life(o)}")


def compare_spis(rep, cap, kind, t, o):
    for key in sorted(set(t) | set(o)):
        name = f"{key[0]}>{key[1]}/{key[2]}"
        rep.n[kind + "_spis"] += 1
        rep.n[kind + "_packets"] += t.get(key, 0)
        if t.get(key, 0) != o.get(key, 0):
            rep.diff(cap, kind + "_packets", name, f"tshark {t.get(key, 0)} ours {o.get(key, 0)}")


# ---- corpus baselines ----

def zeek_escape_int(v):
    """A Zeek log value: a number, or raw bytes with \\xHH escapes (big-endian)."""
    if "\\x" in v:
        raw = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), v)
        return int.from_bytes(raw.encode("latin-1"), "big")
    return int(v)


def zeek_expectations(corpus, cap):
    """From zeek-spicy-ipsec baselines: spi_i -> expected fields of the responder's SA."""
    if not cap.startswith("zeek-spicy-ipsec/"):
        return None
    base = os.path.join(corpus, "zeek-spicy-ipsec", "baseline")
    trace = os.path.basename(cap)
    found = {}
    for test in sorted(os.listdir(base)):
        log = os.path.join(base, test, "ipsec.log")
        if not os.path.exists(log):
            continue
        # INDEX.tsv names the baseline beside each trace
        if not baseline_matches(corpus, cap, test):
            continue
        fields = None
        with open(log) as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("#fields"):
                    fields = line.split("\t")[1:]
                    continue
                if line.startswith("#") or not fields:
                    continue
                row = dict(zip(fields, line.split("\t")))
                spi = row["initiator_spi"]
                e = found.setdefault(spi, {"version": int(row["maj_ver"]), "spi_r": None,
                                           "chosen": None})
                if row["responder_spi"] != "0000000000000000" and not e["spi_r"]:
                    e["spi_r"] = row["responder_spi"]
                if row["is_orig"] == "F" and row["exchange_type"] in ("2", "4") \
                        and row["transform_attributes"] not in ("(empty)", "-") \
                        and e["chosen"] is None:
                    c = {}
                    for item in row["transform_attributes"].split(","):
                        _, _, kv = item.split(":", 2)
                        k, v = kv.split("=", 1)
                        c[k] = zeek_escape_int(v)
                    e["chosen"] = c
                if row["is_orig"] == "F" and row["exchange_type"] == "34" \
                        and row["ke_dh_groups"] not in ("(empty)", "-"):
                    e["ke_r"] = int(row["ke_dh_groups"].split(",")[0])
    return found


def baseline_matches(corpus, cap, test):
    with open(os.path.join(corpus, "INDEX.tsv")) as f:
        for line in f:
            row = line.rstrip("\n").split("\t")
            if row[0] == cap:
                return f"analyzer.{test.split('analyzer.')[-1]}/" in row[-1]
    return False


ZEEK_ATTR = {"Encryption Algorithm": "encr_id", "Hash Algorithm": "hash_id",
             "Authentication Method": "auth_id", "Group Description": "dh_group",
             "Key Length": "key_bits"}


def compare_zeek(rep, cap, exp, sas):
    for spi, e in sorted(exp.items()):
        rep.n["zeek_sas"] += 1
        o = sas.get(spi)
        if not o:
            rep.diff(cap, "zeek.sa", spi, "in Zeek's ipsec.log, not in ours")
            continue
        if e["spi_r"] != o["spi_r"]:
            rep.diff(cap, "zeek.spi_r", spi, f"zeek {e['spi_r']} ours {o['spi_r']}")
        if e.get("ke_r") is not None and e["ke_r"] != o.get("ke_group_r"):
            rep.diff(cap, "zeek.ke_group_r", spi, f"zeek {e['ke_r']} ours {o.get('ke_group_r')}")
        if e["chosen"]:
            for zk, ok in ZEEK_ATTR.items():
                if zk in e["chosen"] and e["chosen"][zk] != o.get(ok):
                    rep.diff(cap, "zeek." + ok, spi, f"zeek {e['chosen'][zk]} ours {o.get(ok)}")
            if "Life Duration" in e["chosen"] and e["chosen"]["Life Duration"] != ours_life(o):
                rep.diff(cap, "zeek.life", spi, f"zeek {e['chosen']['Life Duration']} "
                         f"ours {ours_life(o)}")


def suricata_expectations(corpus, cap):
    if not cap.startswith("suricata-verify/"):
        return []
    y = os.path.join(corpus, os.path.dirname(cap), "test.yaml")
    if not os.path.exists(y):
        return []
    exp = []
    text = open(y).read()
    for m in re.finditer(r"ike\.init_spi:\s*\"?([0-9a-f]{16})\"?\s*\n\s*ike\.resp_spi:\s*\"?"
                         r"([0-9a-f]{16})\"?", text):
        exp.append(("spis", m.group(1), m.group(2)))
    # proposals[N] lists the client's offered attributes: the SA was offered, not answered
    if re.search(r"ike\.ikev1\.client\.proposals", text):
        exp.append(("v1_offered", None, None))
    if re.search(r"ike\._v: 2|ike\.ikev1\.", text):
        exp.append(("v1", None, None))
    return exp


def compare_suricata(rep, cap, exp, sas):
    for kind, a, b in exp:
        rep.n["suricata_checks"] += 1
        if kind == "spis":
            o = sas.get(a)
            want_r = None if set(b) == {"0"} else b
            if not o or o["spi_r"] != want_r:
                rep.diff(cap, "suricata.spis", a, f"want resp {want_r}, ours {o and o['spi_r']}")
        elif kind == "v1_offered":
            if not any(s["ike_version"] == "1.0" and s["offered_transforms"] >= 1
                       and not s["transforms_observed"] for s in sas.values()):
                rep.diff(cap, "suricata.offered", "-", "no offered-only IKEv1 SA in ours")
        elif kind == "v1":
            if not any(s["ike_version"] == "1.0" for s in sas.values()):
                rep.diff(cap, "suricata.v1", "-", "no IKEv1 SA in ours")


def arkime_expectations(corpus, cap):
    if not cap.startswith("arkime/"):
        return []
    t = os.path.join(corpus, cap[:-len(os.path.splitext(cap)[1])] + ".test")
    if not os.path.exists(t):
        return []
    out = []
    for s in json.load(open(t)).get("sessions3", []):
        isakmp = s.get("body", {}).get("isakmp")
        if isakmp:
            out.append(isakmp)
    return out


def compare_arkime(rep, cap, exp, sas):
    for isakmp in exp:
        for spi in isakmp.get("initiatorSpi", []):
            rep.n["arkime_spis"] += 1
            if spi not in sas:
                rep.diff(cap, "arkime.initiatorSpi", spi, "not in ours")
        for spi in isakmp.get("responderSpi", []):
            rep.n["arkime_spis"] += 1
            if not any(s["spi_r"] == spi for s in sas.values()):
                rep.diff(cap, "arkime.responderSpi", spi, "not in ours")


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    args = sys.argv[1:]
    only_san = args[0] == "--sanitizers-only"
    if only_san:
        args = args[1:]
    binary, corpus = args[0], args[1]
    caps = args[2:] or ipsec_captures(corpus)
    rep = Report()
    for cap in caps:
        path = os.path.join(corpus, cap)
        lines, err = run_sensor(binary, path)
        rep.n["captures"] += 1
        if any(m in err for m in SANITIZER_MARKS):
            rep.diff(cap, "sanitizer", "-", err.strip()[:2000])
        if only_san:
            continue
        rows = run_tshark(path)
        sas, flow_sas, esp, ah = sensor_facts(lines)
        tsas = tshark_ike(rows)
        print(f"{cap}: {len(tsas)} IKE SAs (tshark), {len(sas)} (ours); "
              f"{len(esp)} ESP SPIs, {len(ah)} AH SPIs (ours)")
        for spi in sorted(set(tsas) | set(sas)):
            if spi not in sas:
                rep.diff(cap, "ike_spis", spi, "tshark has this IKE SA, ours does not")
            elif spi not in tsas:
                rep.diff(cap, "ike_spis", spi, "ours has this IKE SA, tshark does not")
            else:
                compare_sa(rep, cap, spi, tsas[spi], sas[spi])
        # the per-flow dissector and the per-pair table must say the same of each SA
        for spi, f in flow_sas.items():
            p = sas.get(spi)
            rep.n["flow_sas"] += 1
            if not p or any(p.get(k) != f.get(k) for k in CHOSEN_KEYS_V2 + CHOSEN_KEYS_V1):
                rep.diff(cap, "flow_vs_pair", spi, "per-flow and per-pair SA facts differ")
        tesp, qesp = tshark_spis(rows, "esp", "esp.spi")
        tah, qah = tshark_spis(rows, "ah", "ah.spi")
        if qah or qesp:
            print(f"  note     {cap}: {qesp + qah} ESP/AH headers quoted in ICMP errors "
                  "ignored (not IPsec traffic)")
        compare_spis(rep, cap, "esp", tesp, esp)
        compare_spis(rep, cap, "ah", tah, ah)
        zexp = zeek_expectations(corpus, cap)
        if zexp:
            compare_zeek(rep, cap, zexp, sas)
        sexp = suricata_expectations(corpus, cap)
        if sexp:
            compare_suricata(rep, cap, sexp, sas)
        aexp = arkime_expectations(corpus, cap)
        if aexp:
            compare_arkime(rep, cap, aexp, sas)
    n = rep.n
    if only_san:
        print(f"{n['captures']} captures run, {rep.fail} with a sanitizer report")
        return 1 if rep.fail else 0
    print(f"\n{n['captures']} captures; IKE: {n['sas']} SAs compared with tshark "
          f"({n['chosen_sas']} with a chosen transform, {n['chosen_fields']} fields), "
          f"{n['flow_sas']} per-flow SAs equal to the per-pair ones, {n['zeek_sas']} with Zeek, "
          f"{n['suricata_checks']} suricata-verify checks, "
          f"{n['arkime_spis']} arkime SPIs; ESP: {n['esp_spis']} SPIs, {n['esp_packets']} "
          f"packets; AH: {n['ah_spis']} SPIs, {n['ah_packets']} packets; "
          f"{rep.allowed} allowed differences, {rep.fail} failures")
    return 1 if rep.fail else 0


if __name__ == "__main__":
    sys.exit(main())
