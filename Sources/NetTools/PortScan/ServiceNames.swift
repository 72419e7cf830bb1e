/// The service usually behind a well-known port (IANA registrations and what ISPs meet in the field).
public enum ServiceNames {
    static let tcp: [UInt16: String] = [
        20: "ftp-data", 21: "ftp", 22: "ssh", 23: "telnet", 25: "smtp", 53: "domain", 80: "http", 110: "pop3",
        111: "rpcbind", 119: "nntp", 123: "ntp", 135: "msrpc", 139: "netbios-ssn", 143: "imap", 179: "bgp",
        389: "ldap", 443: "https", 445: "microsoft-ds", 465: "smtps", 514: "shell", 515: "printer", 554: "rtsp",
        587: "submission", 631: "ipp", 636: "ldaps", 646: "ldp", 853: "domain-s", 873: "rsync", 990: "ftps",
        993: "imaps", 995: "pop3s", 1080: "socks", 1194: "openvpn", 1433: "ms-sql-s", 1521: "oracle", 1723: "pptp",
        1883: "mqtt", 2000: "mikrotik-bandwidth-test", 2049: "nfs", 2222: "ssh-alt", 2375: "docker", 3000: "http-alt",
        3128: "squid-http", 3306: "mysql", 3389: "ms-wbt-server", 4567: "tr069-alt", 5060: "sip", 5222: "xmpp-client",
        5432: "postgresql", 5900: "vnc", 6379: "redis", 6443: "kubernetes", 7547: "cwmp", 8080: "http-proxy",
        8081: "http-alt", 8291: "mikrotik-winbox", 8443: "https-alt", 8728: "mikrotik-api", 8729: "mikrotik-api-ssl",
        8888: "http-alt", 9000: "http-alt", 9090: "prometheus", 9100: "jetdirect", 10050: "zabbix-agent",
        10051: "zabbix-trapper", 27017: "mongodb", 30005: "tr069-cr",
    ]
    static let udp: [UInt16: String] = [
        53: "domain", 67: "dhcps", 68: "dhcpc", 69: "tftp", 123: "ntp", 137: "netbios-ns", 138: "netbios-dgm",
        161: "snmp", 162: "snmptrap", 500: "isakmp", 514: "syslog", 520: "rip", 1194: "openvpn", 1645: "radius-old",
        1701: "l2tp", 1812: "radius", 1813: "radius-acct", 1900: "upnp", 3478: "stun", 4500: "ipsec-nat-t",
        5060: "sip", 5353: "mdns", 7547: "cwmp-udp-cr", 10161: "snmp-tls",
    ]

    /// The usual service on `port`, `nil` when none is known.
    public static func guess(_ port: UInt16, transport: PortScanRequest.Transport) -> String? {
        transport == .tcp ? tcp[port] : udp[port]
    }

    /// A datagram the UDP service on `port` answers (a DNS query, an NTP client request, an SNMP get of
    /// sysDescr with community `public`); empty for others.
    static func udpProbe(_ port: UInt16) -> [UInt8] {
        switch port {
        case 53, 5353:
            return DNSMessage.query(id: 0x4f43, name: ".", type: .ns, recursionDesired: false).encoded()
        case 123:
            return [0x1b] + [UInt8](repeating: 0, count: 47)
        case 161:
            return [0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06] + Array("public".utf8)
                + [0xa0, 0x1c, 0x02, 0x04, 0x4f, 0x43, 0x54, 0x4f, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c,
                   0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00]
        default:
            return []
        }
    }
}
