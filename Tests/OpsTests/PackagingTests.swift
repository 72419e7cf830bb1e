import Foundation
import OctoTestSupport
import Testing

/// deploy/docker-compose.yml (Debian's docker-compose validates it; no engine runs here), the systemd
/// units (systemd-analyze verify) and the Dockerfile's stages.
@Suite struct PackagingTests {
    static let composeSecrets = [
        "POSTGRES_PASSWORD": "pg", "OCTOISP_OWNER_PASSWORD": "owner", "OCTOISP_APP_PASSWORD": "app", "OCTOISP_GLOBAL_PASSWORD": "global",
        "OCTOISP_SECRET_KEY": "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "OCTOISP_JWT_SECRET": "0123456789abcdef0123456789abcdef",
        "GRAFANA_ADMIN_PASSWORD": "grafana",
    ]

    static func compose(_ arguments: [String], secrets: [String: String]) async throws -> ChildProcess.Run {
        var environment = ProcessInfo.processInfo.environment
        for key in composeSecrets.keys { environment[key] = nil }
        environment.merge(secrets) { $1 }
        let file = Repo.path("deploy/docker-compose.yml")
        return try await ChildProcess.run(["/usr/bin/docker-compose", "--file", file, "--project-directory", Repo.path("deploy")] + arguments,
                                          environment: environment)
    }

    @Test func composeFileIsValidAndRunsEveryRoleAsItsOwnService() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-compose"), "scripts/setup.sh installs docker-compose")
        let valid = try await Self.compose(["config", "-q"], secrets: Self.composeSecrets)
        #expect(valid.succeeded, "\(valid.text)")
        let services = try await Self.compose(["config", "--services"], secrets: Self.composeSecrets)
        let names = Set(services.output.split(separator: "\n").map(String.init))
        #expect(names.isSuperset(of: ["postgres", "redis", "nginx", "prometheus", "grafana", "octoisp-migrate", "octoisp-api", "octoisp-acs",
                                      "octoisp-worker", "octoisp-poller", "octoisp-maintenance"]), "\(names.sorted())")
        // Each role service runs its own roles and no migrations; the rendered file says so.
        let rendered = try await Self.compose(["config"], secrets: Self.composeSecrets)
        for role in ["api", "acs", "worker", "poller", "metrics,alerts"] {
            #expect(rendered.output.contains("- --roles\n    - \(role)\n    - --skip-migrations"), "role \(role)")
        }
        // A secret left unset stops the configuration, naming it.
        var missing = Self.composeSecrets
        missing["OCTOISP_JWT_SECRET"] = nil
        let refused = try await Self.compose(["config", "-q"], secrets: missing)
        #expect(!refused.succeeded && refused.text.contains("OCTOISP_JWT_SECRET"), "\(refused.text)")
    }

    /// The units of deploy/systemd in a temporary directory, ExecStart pointing at `binary`.
    static func renderedUnits(binary: String) throws -> String {
        let directory = NSTemporaryDirectory() + "octoisp-units-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let source = Repo.path("deploy/systemd")
        for name in try FileManager.default.contentsOfDirectory(atPath: source) {
            let text = try String(contentsOfFile: source + "/" + name, encoding: .utf8)
            try text.replacingOccurrences(of: "/usr/local/bin/octoisp", with: binary).write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        return directory
    }

    @Test func systemdUnitsVerify() async throws {
        let binary = try TestEnvironment.octoispBinary()
        let directory = try Self.renderedUnits(binary: binary)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let unit = try String(contentsOfFile: directory + "/octoisp@.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=\(binary) serve --roles %I --skip-migrations"))
        for option in ["NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "CapabilityBoundingSet=", "SystemCallFilter=@system-service"] {
            #expect(unit.contains(option), "hardening option \(option)")
        }
        let verify = try await ChildProcess.run(["/usr/bin/systemd-analyze", "verify", directory + "/octoisp@api.service", directory + "/octoisp@metrics\\x2calerts.service",
                                                 directory + "/octoisp-migrate.service", directory + "/octoisp.target"])
        #expect(verify.succeeded && verify.errors.isEmpty, "\(verify.text)")
        // The check catches a unit whose program is missing, and a misspelt option.
        let broken = try Self.renderedUnits(binary: "/nonexistent/octoisp")
        defer { try? FileManager.default.removeItem(atPath: broken) }
        let refused = try await ChildProcess.run(["/usr/bin/systemd-analyze", "verify", broken + "/octoisp@api.service"])
        #expect(!refused.succeeded || !refused.errors.isEmpty, "\(refused.text)")
        try unit.replacingOccurrences(of: "NoNewPrivileges=yes", with: "NoNewPrivilege=yes").write(toFile: directory + "/octoisp@.service", atomically: true, encoding: .utf8)
        let misspelt = try await ChildProcess.run(["/usr/bin/systemd-analyze", "verify", directory + "/octoisp@api.service"])
        #expect(misspelt.errors.contains("NoNewPrivilege"), "\(misspelt.text)")
    }

    @Test func dockerfileBuildsWithTheToolchainAndRunsOnBookwormSlim() throws {
        let text = try String(contentsOfFile: Repo.path("Dockerfile"), encoding: .utf8)
        let stages = text.split(separator: "\n").filter { $0.hasPrefix("FROM ") }.map(String.init)
        #expect(stages.count == 3, "\(stages)")
        #expect(stages.first?.hasPrefix("FROM swift:${SWIFT_VERSION}-bookworm AS build") == true)
        #expect(stages.last == "FROM debian:bookworm-slim")
        #expect(text.contains("swift build -c release --product octoisp --static-swift-stdlib"))
        #expect(text.contains("swift build -c release --product octoisp-snmp --static-swift-stdlib"), "the standalone SNMP tools ship too")
        #expect(text.contains("COPY --from=build /out/ /usr/local/bin/"))
        #expect(text.contains("USER octoisp"))
        #expect(text.contains("postgresql-client-15"), "pg_dump and pg_restore for octoisp backup / restore")
        #expect(text.contains("libcurl4"), "FoundationNetworking loads libcurl")
    }

    /// Every system library the built binary links directly (its ELF NEEDED entries, the Swift runtime
    /// aside, which the release build links statically) or opens on first use (the PDF libraries) comes
    /// from a package the runtime stage installs or that debian:bookworm-slim already has.
    @Test func runtimeStageInstallsEveryLibraryTheBinaryLinks() async throws {
        let text = try String(contentsOfFile: Repo.path("Dockerfile"), encoding: .utf8)
        let start = try #require(text.range(of: "FROM debian:bookworm-slim"))
        let runtime = String(text[start.lowerBound...])
        let base: Set<String> = ["libc6", "libgcc-s1", "libstdc++6", "zlib1g"]
        let binary = try TestEnvironment.octoispBinary()
        let needed = try await ChildProcess.shell("readelf -d '\(binary)' | sed -n 's/.*(NEEDED).*\\[\\(.*\\)\\]/\\1/p'")
            .split(separator: "\n").map(String.init)
            .filter { !($0.hasPrefix("libswift") || $0.hasPrefix("libFoundation") || $0.hasPrefix("libdispatch") || $0.hasPrefix("libBlocksRuntime")) }
        #expect(needed.contains("libcrypto.so.3"), "\(needed)")
        // The libraries the PDF writer opens on first use (Sources/CPangoCairo/loader.c) are needed as well.
        let loader = try String(contentsOfFile: Repo.path("Sources/CPangoCairo/loader.c"), encoding: .utf8)
        let opened = loader.matches(of: /"(lib[a-z0-9_.-]+\.so\.[0-9]+)"/).map { String($0.output.1) }
        #expect(Set(opened) == ["libcairo.so.2", "libpango-1.0.so.0", "libpangocairo-1.0.so.0", "libgobject-2.0.so.0"], "\(opened)")
        for library in needed + opened {
            let owner = try await ChildProcess.shell("dpkg -S '*/\(library)' | head -1 | cut -d: -f1").trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(base.contains(owner) || runtime.contains(" \(owner) ") || runtime.contains(" \(owner)\n"), "\(library) comes from \(owner), which the runtime stage does not install")
        }
    }
}
