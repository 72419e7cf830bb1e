#!/usr/bin/env python3
"""Trims snmprec recordings to the lines the fingerprinter reads, and checks that trimming keeps the decision.

    scripts/fingerprint-trim.py trim FILE.snmprec [--profiles DIR] > TRIMMED.snmprec
    scripts/fingerprint-trim.py check FILE.snmprec... [--profiles DIR] [--octoisp .build/debug/octoisp]

`octoisp snmp identify` reads sysDescr and sysObjectID (GET), asks GETNEXT for the probe subtrees of the
candidate rules, GETs the scalar OIDs of the chosen profile's model/version/serial, and, when the
sysObjectID is missing or a generic agent's, walks the enterprise subtrees the agent implements (GETNEXT
from 1.3.6.1.4.1, then from the enterprise after each one found). Its decision therefore depends only on:
every line of the system group (1.3.6.1.2.1.1), the first line under each probe subtree named in any
profile, the first line of each enterprise subtree, and the extraction OIDs' own lines. `trim` keeps exactly
those lines; a GETNEXT on the trimmed file lands in the same subtree as on the full file, so every probe and
every enterprise number comes out the same. `check` serves the full and the trimmed file side by side with
one snmpsimd and compares the identities `snmp identify` prints (profile, vendor, OS, kind, model,
version, serial, reason).
"""
import argparse
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SYSTEM = (1, 3, 6, 1, 2, 1, 1)
ENTERPRISES = (1, 3, 6, 1, 4, 1)


def parse_oid(text):
    return tuple(int(part) for part in text.strip(".").split("."))


def profile_oids(directory):
    """The probe subtrees and extraction OIDs named in the profile files."""
    probes, scalars = set(), set()
    for path in glob.glob(os.path.join(directory, "*.json")):
        with open(path, encoding="utf-8") as handle:
            profile = json.load(handle)
        for rule in profile.get("match", []):
            probes.update(parse_oid(oid) for oid in rule.get("probes", []))
        for key in ("model", "version", "serial"):
            extraction = profile.get(key)
            if isinstance(extraction, dict) and extraction.get("oid"):
                scalars.add(parse_oid(extraction["oid"]))
    return probes, scalars


def records(path):
    """(oid, line) for each record; a line that does not start with an OID continues the previous value."""
    result = []
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        for line in handle:
            head = line.split("|", 1)[0]
            try:
                oid = parse_oid(head) if "|" in line else None
            except ValueError:
                oid = None
            if oid is None and result:
                result[-1] = (result[-1][0], result[-1][1] + line)
            elif oid is not None:
                result.append((oid, line))
    return result


def trim(path, probes, scalars):
    kept = []
    seen_probes, seen_enterprises = set(), set()
    for oid, line in sorted(records(path), key=lambda item: item[0]):
        keep = oid[:len(SYSTEM)] == SYSTEM or oid in scalars
        for probe in probes:
            if oid[:len(probe)] == probe and probe not in seen_probes:
                seen_probes.add(probe)
                keep = True
        if oid[:len(ENTERPRISES)] == ENTERPRISES and len(oid) > len(ENTERPRISES):
            number = oid[len(ENTERPRISES)]
            if number not in seen_enterprises:
                seen_enterprises.add(number)
                keep = True
        if keep:
            kept.append(line if line.endswith("\n") else line + "\n")
    return "".join(kept)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def identify(octoisp, port, community):
    run = subprocess.run([octoisp, "snmp", "identify", "-c", community, "-t", "3", f"127.0.0.1:{port}"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        return {"error": run.stderr.strip()}
    identity = json.loads(run.stdout)["identity"]
    return {key: identity.get(key) for key in ("profile", "vendor", "os", "kind", "model", "version", "serial", "reason")}


def check(paths, probes, scalars, octoisp):
    work = tempfile.mkdtemp(prefix="fingerprint-trim-")
    data = os.path.join(work, "data")
    os.makedirs(data)
    os.chmod(work, 0o777)
    names = []
    for path in paths:
        name = os.path.basename(path)[:-len(".snmprec")]
        shutil.copy(path, os.path.join(data, f"full-{name}.snmprec"))
        with open(os.path.join(data, f"trim-{name}.snmprec"), "w", encoding="utf-8", errors="surrogateescape") as out:
            out.write(trim(path, probes, scalars))
        names.append(name)
    os.chmod(data, 0o755)
    port = free_port()
    command = ["snmpsimd", f"--data-dir={data}", f"--cache-dir={work}/cache", f"--agent-udpv4-endpoint=127.0.0.1:{port}",
               "--v2c-arch", f"--logging-method=file:{work}/snmpsim.log"]
    if os.geteuid() == 0:
        command += ["--process-user=nobody", "--process-group=nogroup"]
    agent = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    same = 0
    try:
        time.sleep(3)
        for name in names:
            full = identify(octoisp, port, f"full-{name}")
            trimmed = identify(octoisp, port, f"trim-{name}")
            lines = sum(1 for _ in records(os.path.join(data, f"full-{name}.snmprec")))
            kept = sum(1 for _ in records(os.path.join(data, f"trim-{name}.snmprec")))
            verdict = "identical" if full == trimmed and "error" not in full else "DIFFERENT"
            same += verdict == "identical"
            print(f"{name}: {lines} records -> {kept} kept; decision {verdict}: "
                  f"{full.get('profile')} / {full.get('vendor')} / {full.get('os')}")
            if verdict != "identical":
                print(f"  full:    {full}\n  trimmed: {trimmed}")
        print(f"{same}/{len(names)} recordings: same decision on the full and the trimmed file")
    finally:
        os.killpg(agent.pid, signal.SIGTERM)
        agent.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    return 0 if same == len(names) else 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["trim", "check"])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--profiles", default=os.path.join(os.path.dirname(__file__), "..", "Sources", "Monitoring", "Profiles"))
    parser.add_argument("--octoisp", default=".build/debug/octoisp")
    args = parser.parse_args()
    probes, scalars = profile_oids(args.profiles)
    if args.mode == "trim":
        for path in args.files:
            sys.stdout.write(trim(path, probes, scalars))
        return 0
    return check(args.files, probes, scalars, args.octoisp)


if __name__ == "__main__":
    sys.exit(main())
