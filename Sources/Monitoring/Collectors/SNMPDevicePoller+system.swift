import Foundation
import SNMP

extension SNMPDevicePoller {
    /// MIB-II system group: sysName, sysLocation, sysContact, sysUpTime in one GET.
    func collectSystem(_ target: SNMPTarget, _ counter: inout VarbindCounter) async throws -> SystemInfo {
        var info = SystemInfo()
        for varBind in try await get([.sysName, .sysLocation, .sysContact, .sysUpTime], target, &counter) {
            switch (varBind.oid, varBind.value) {
            case (.sysName, .octetString(let octets)): info.name = Self.text(octets)
            case (.sysLocation, .octetString(let octets)): info.location = Self.text(octets)
            case (.sysContact, .octetString(let octets)): info.contact = Self.text(octets)
            case (.sysUpTime, .timeTicks(let ticks)): info.uptimeTicks = ticks
            default: break
            }
        }
        return info
    }
}
