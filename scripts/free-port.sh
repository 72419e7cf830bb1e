#!/usr/bin/env bash
# Prints a TCP port on 127.0.0.1 that nothing listens on, below the kernel's ephemeral range: a port
# the kernel picked for a bind to 0 can be handed out again as the local port of an outgoing
# connection (a server's own database connections, say) before the server binds it.
exec python3 - <<'PY'
import random, socket
with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
    ephemeral = int(f.read().split()[0])
low = max(1024, ephemeral - 12000)
for _ in range(200):
    port = random.randrange(low, ephemeral)
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    break
else:
    raise SystemExit(f"no free port in {low}-{ephemeral}")
PY
