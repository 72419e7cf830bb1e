/// One vendor/OS profile, as written in `Sources/Monitoring/Profiles/<id>.json`: how to recognise the
/// device, how to read its model, version and serial, and which collectors and vendor OIDs apply.
///
/// OIDs are dotted numeric text without a leading dot. Regular expressions use ICU syntax
/// (`NSRegularExpression`); an extraction takes capture group 1, or the whole match when the pattern
/// has no group.
public struct VendorProfile: Hashable, Sendable, Codable {
    /// Unique id, equal to the file name without `.json` (`routeros`, `huawei-smartax`, `generic`).
    public var id: String
    /// The vendor's name as a NOC engineer writes it.
    public var vendor: String
    /// Operating system or product line.
    public var os: String
    /// Device kind, as in `devices.kind`: `router`, `switch`, `olt`, `access_point`, `server`, `cpe`, `other`.
    public var kind: String
    /// Added to the match score; breaks ties between profiles whose rules are equally specific.
    public var priority: Int?
    /// The profile names an agent many vendors ship (net-snmp on Linux), not a vendor: the vendor comes
    /// from the facts (sysDescr, the vendor MIBs the agent implements) when they name one.
    public var vendorFromFacts: Bool?
    /// Alternatives: the profile matches when any one rule holds. Empty only for `generic`.
    public var match: [MatchRule]
    /// Where the model is read.
    public var model: Extraction?
    /// Where the software version is read.
    public var version: Extraction?
    /// Where the serial number is read.
    public var serial: Extraction?
    /// The collectors that apply to devices of this profile.
    public var collectors: [CollectorKind]
    /// Vendor CPU, memory and temperature sources, read in addition to the standard MIBs.
    public var health: [HealthSource]?
    /// GPON optical power tables (ONU and OLT-port scope).
    public var optics: [OpticsSource]?
    /// Subscriber session counts of access concentrators (the `sessions` collector).
    public var sessions: [SessionSource]?

    /// Where a subscriber session count is read: a scalar (`oid`) or a column whose rows are counted (`count`).
    public struct SessionSource: Hashable, Sendable, Codable {
        /// The count's name, the `kind` label of the `subscriberSessions` metric (`ppp`, `pppoe`, `ipoe`).
        public var name: String
        /// A scalar instance OID holding the count (e.g. CISCO-AAA-SESSION-MIB casnActiveTableEntries.0).
        public var oid: String?
        /// A column whose rows are the sessions.
        public var count: String?
    }

    /// A rule: every part that is given must hold.
    public struct MatchRule: Hashable, Sendable, Codable {
        /// `sysObjectID.0` starts with one of these OIDs (whole arcs).
        public var sysObjectID: [String]?
        /// `sysDescr.0` matches one of these regular expressions.
        public var sysDescr: [String]?
        /// OID subtrees that must each hold at least one instance (checked with GETNEXT).
        public var probes: [String]?

        /// Creates a rule.
        public init(sysObjectID: [String]? = nil, sysDescr: [String]? = nil, probes: [String]? = nil) {
            self.sysObjectID = sysObjectID
            self.sysDescr = sysDescr
            self.probes = probes
        }
    }

    /// Where a text (model, version, serial) comes from: the first of `oid` (its value, optionally
    /// filtered through `pattern`) and `sysDescr` (a pattern over sysDescr) that yields a non-empty text.
    public struct Extraction: Hashable, Sendable, Codable {
        /// A regular expression over sysDescr.
        public var sysDescr: String?
        /// A scalar instance OID (e.g. `1.3.6.1.4.1.14988.1.1.7.9.0`) whose value is the text.
        public var oid: String?
        /// A regular expression applied to the OID's value.
        public var pattern: String?

        /// Creates an extraction.
        public init(sysDescr: String? = nil, oid: String? = nil, pattern: String? = nil) {
            self.sysDescr = sysDescr
            self.oid = oid
            self.pattern = pattern
        }
    }

    /// A vendor health source: a column (or scalar's parent) walked for values, one reading per instance.
    ///
    /// Either `value` (the reading itself, × `scale`) or, for memory, `used` with `free` or `total`
    /// (columns with the same index; the reading is used ÷ (used + free) or used ÷ total, in percent).
    public struct HealthSource: Hashable, Sendable, Codable {
        /// What the values measure.
        public var kind: HealthReading.Kind
        /// The value column.
        public var value: String?
        /// Memory in use (any unit).
        public var used: String?
        /// Memory free (same unit as `used`).
        public var free: String?
        /// Memory total (same unit as `used`).
        public var total: String?
        /// A text column with the same index naming the reading (board, sensor); else `name`, else the index.
        public var label: String?
        /// A fixed label (`board`, `cpu`) for scalar sources.
        public var name: String?
        /// Multiplies raw values (e.g. 0.1 for tenths of a degree); default 1.
        public var scale: Double?
        /// Scaled values below this are ignored (agents use -1 or 0 for "absent").
        public var min: Double?
        /// Scaled values above this are ignored.
        public var max: Double?
    }

    /// A GPON optical power table. dBm = raw × `scale` + `offset`; raw values listed in `invalid`
    /// (the vendors' "no reading" markers) give no value.
    public struct OpticsSource: Hashable, Sendable, Codable {
        /// ONU (as the OLT reports it) or OLT PON port.
        public var scope: OpticalReading.Scope
        /// Received power column.
        public var rx: String?
        /// Transmitted power column.
        public var tx: String?
        /// Multiplier from raw to dBm.
        public var scale: Double
        /// Added after scaling; default 0.
        public var offset: Double?
        /// Raw values that mean "no reading".
        public var invalid: [Int64]?
        /// For agents that answer text (`0.03 mW (-14.61 dBm)`): a regular expression whose capture group 1
        /// is the number to scale.
        public var pattern: String?
        /// A text column naming the row (e.g. ifName for ifIndex-indexed tables).
        public var label: String?
        /// How many leading arcs of the row index address the label column (default: the whole index).
        /// The remaining arcs are appended to the label after a colon (ONU id).
        public var labelIndexArcs: Int?
    }
}
