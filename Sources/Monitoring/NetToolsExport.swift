// ICMP echo and IPv4 addresses live in NetTools, the network-tools module below Monitoring; the
// monitoring API (poll settings, discovery ranges, latency) speaks those types, so they come with it.
@_exported import NetTools
