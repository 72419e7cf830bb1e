#!/usr/bin/env python3
"""Measures fingerprint accuracy on a folder of snmprec recordings the tests do not contain.

    scripts/fingerprint-accuracy.py DIR EXPECTED.tsv [--octoisp .build/debug/octoisp]

EXPECTED.tsv has one `recording<TAB>vendor<TAB>os` line per recording (`#` comments allowed). The
script serves DIR with its own snmpsimd on a free loopback port (community = file name), runs
`octoisp snmp identify` for each recording and prints every decision with its reason, then the share
of right vendors and right OS families. Vendor and OS compare case-insensitively.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("expected")
    parser.add_argument("--octoisp", default=".build/debug/octoisp")
    args = parser.parse_args()

    expected = []
    with open(args.expected, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name, vendor, os_family = line.split("\t")
            expected.append((name, vendor, os_family))

    work = tempfile.mkdtemp(prefix="fingerprint-accuracy-")
    os.chmod(work, 0o777)
    port = free_port()
    command = ["snmpsimd", f"--data-dir={os.path.abspath(args.directory)}", f"--cache-dir={work}",
               f"--agent-udpv4-endpoint=127.0.0.1:{port}", "--v2c-arch", f"--logging-method=file:{work}/snmpsim.log"]
    if os.geteuid() == 0:
        command += ["--process-user=nobody", "--process-group=nogroup"]
    agent = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(3)
        right_vendor = right_os = 0
        for name, vendor, os_family in expected:
            run = subprocess.run([args.octoisp, "snmp", "identify", "-c", name, "-t", "3", f"127.0.0.1:{port}"],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                print(f"{name}: identify failed: {run.stderr.strip()}")
                continue
            identity = json.loads(run.stdout)["identity"]
            vendor_ok = identity["vendor"].lower() == vendor.lower()
            os_ok = identity["os"].lower() == os_family.lower()
            right_vendor += vendor_ok
            right_os += os_ok
            mark = ("V" if vendor_ok else "-") + ("O" if os_ok else "-")
            print(f"{mark} {name}: {identity['vendor']} / {identity['os']} (expected {vendor} / {os_family}) — {identity.get('reason', '')}")
        total = len(expected)
        print(f"vendor {right_vendor}/{total} = {100 * right_vendor / total:.1f} %, "
              f"OS family {right_os}/{total} = {100 * right_os / total:.1f} %")
    finally:
        os.killpg(agent.pid, signal.SIGTERM)
        agent.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
