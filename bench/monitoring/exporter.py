#!/usr/bin/env python3
"""Peer for bench/monitoring: Prometheus' snmp_exporter and its `if_mib` module.

`exporter.py config FILE` writes an snmp_exporter (0.21) configuration whose module `if_mib` walks
what the upstream generator's if_mib walks (ifTable, ifXTable, with ifAlias/ifDescr/ifName lookups)
with community `public`. `exporter.py scrape URL PORT FIRST COUNT CONCURRENCY` scrapes COUNT devices
from 127.1.0.FIRST on (the addresses monitoring-bench polls) at the snmpd port PORT and prints
`scrapes=N failed=N samples=N seconds=S`.
"""
import concurrent.futures
import ipaddress
import sys
import time
import urllib.request

IF_TABLE = "1.3.6.1.2.1.2.2.1"
IF_X_TABLE = "1.3.6.1.2.1.31.1.1.1"
COLUMNS = [
    (IF_TABLE, 1, "ifIndex", "gauge"), (IF_TABLE, 2, "ifDescr", "DisplayString"), (IF_TABLE, 3, "ifType", "gauge"),
    (IF_TABLE, 4, "ifMtu", "gauge"), (IF_TABLE, 5, "ifSpeed", "gauge"), (IF_TABLE, 6, "ifPhysAddress", "PhysAddress48"),
    (IF_TABLE, 7, "ifAdminStatus", "gauge"), (IF_TABLE, 8, "ifOperStatus", "gauge"), (IF_TABLE, 9, "ifLastChange", "gauge"),
    (IF_TABLE, 10, "ifInOctets", "counter"), (IF_TABLE, 11, "ifInUcastPkts", "counter"), (IF_TABLE, 12, "ifInNUcastPkts", "counter"),
    (IF_TABLE, 13, "ifInDiscards", "counter"), (IF_TABLE, 14, "ifInErrors", "counter"), (IF_TABLE, 15, "ifInUnknownProtos", "counter"),
    (IF_TABLE, 16, "ifOutOctets", "counter"), (IF_TABLE, 17, "ifOutUcastPkts", "counter"), (IF_TABLE, 18, "ifOutNUcastPkts", "counter"),
    (IF_TABLE, 19, "ifOutDiscards", "counter"), (IF_TABLE, 20, "ifOutErrors", "counter"), (IF_TABLE, 21, "ifOutQLen", "gauge"),
    (IF_X_TABLE, 1, "ifName", "DisplayString"), (IF_X_TABLE, 2, "ifInMulticastPkts", "counter"),
    (IF_X_TABLE, 3, "ifInBroadcastPkts", "counter"), (IF_X_TABLE, 4, "ifOutMulticastPkts", "counter"),
    (IF_X_TABLE, 5, "ifOutBroadcastPkts", "counter"), (IF_X_TABLE, 6, "ifHCInOctets", "counter"),
    (IF_X_TABLE, 7, "ifHCInUcastPkts", "counter"), (IF_X_TABLE, 8, "ifHCInMulticastPkts", "counter"),
    (IF_X_TABLE, 9, "ifHCInBroadcastPkts", "counter"), (IF_X_TABLE, 10, "ifHCOutOctets", "counter"),
    (IF_X_TABLE, 11, "ifHCOutUcastPkts", "counter"), (IF_X_TABLE, 12, "ifHCOutMulticastPkts", "counter"),
    (IF_X_TABLE, 13, "ifHCOutBroadcastPkts", "counter"), (IF_X_TABLE, 14, "ifLinkUpDownTrapEnable", "gauge"),
    (IF_X_TABLE, 15, "ifHighSpeed", "gauge"), (IF_X_TABLE, 16, "ifPromiscuousMode", "gauge"),
    (IF_X_TABLE, 17, "ifConnectorPresent", "gauge"), (IF_X_TABLE, 18, "ifAlias", "DisplayString"),
    (IF_X_TABLE, 19, "ifCounterDiscontinuityTime", "gauge"),
]
LOOKUPS = [("ifAlias", IF_X_TABLE + ".18"), ("ifDescr", IF_TABLE + ".2"), ("ifName", IF_X_TABLE + ".1")]


def config(path):
    # 0.21 format: modules at the top level, the community inside the module.
    lines = ["  if_mib:", "    version: 2", "    auth:", "      community: public", "    timeout: 2s", "    retries: 2",
             "    walk:", "    - 1.3.6.1.2.1.2", "    - 1.3.6.1.2.1.31.1.1", "    get:", "    - 1.3.6.1.2.1.1.3.0", "    metrics:",
             "    - name: sysUpTime", "      oid: 1.3.6.1.2.1.1.3", "      type: gauge", "    - name: ifNumber",
             "      oid: 1.3.6.1.2.1.2.1", "      type: gauge"]
    for table, column, name, kind in COLUMNS:
        lines += [f"    - name: {name}", f"      oid: {table}.{column}", f"      type: {kind}", "      indexes:",
                  "      - labelname: ifIndex", "        type: gauge", "      lookups:"]
        for label, oid in LOOKUPS:
            lines += ["      - labels: [ifIndex]", f"        labelname: {label}", f"        oid: {oid}", "        type: DisplayString"]
    with open(path, "w") as file:
        file.write("\n".join(line[2:] for line in lines) + "\n")


def scrape(url, port, first, count, concurrency):
    base = int(ipaddress.IPv4Address("127.1.0.0")) + first

    def one(n):
        target = f"{ipaddress.IPv4Address(base + n)}:{port}"
        with urllib.request.urlopen(f"{url}/snmp?module=if_mib&target={target}", timeout=60) as response:
            body = response.read().decode()
        samples = sum(1 for line in body.splitlines() if line and not line.startswith("#"))
        if "snmp_scrape_pdus_returned" not in body or 'ifOperStatus{' not in body:
            raise RuntimeError(f"{target}: no interface table in the answer")
        return samples

    started = time.monotonic()
    failed = 0
    samples = 0
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(one, n) for n in range(count)]:
            try:
                samples += future.result()
            except Exception as error:  # counted and reported, never hidden
                failed += 1
                if failed <= 3:
                    print(f"scrape failed: {error}", file=sys.stderr)
    print(f"scrapes={count - failed} failed={failed} samples={samples} seconds={time.monotonic() - started:.2f}")


if __name__ == "__main__":
    if sys.argv[1] == "config":
        config(sys.argv[2])
    else:
        scrape(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
