import CPangoCairo
import Foundation
import OctoTestSupport
import Testing

/// The PDF writer calls cairo and pango through declarations of its own (CPangoCairo), loading the
/// libraries on first use: every value those declarations give must be the installed headers' value.
@Suite struct PangoCairoDeclarationsTests {
    @Test func everyDeclaredValueIsTheInstalledHeadersOne() async throws {
        let ours: [String: Int] = [
            "CAIRO_STATUS_SUCCESS": Int(CAIRO_STATUS_SUCCESS.rawValue),
            "CAIRO_STATUS_READ_ERROR": Int(CAIRO_STATUS_READ_ERROR.rawValue),
            "CAIRO_STATUS_WRITE_ERROR": Int(CAIRO_STATUS_WRITE_ERROR.rawValue),
            "CAIRO_PDF_METADATA_TITLE": Int(CAIRO_PDF_METADATA_TITLE.rawValue),
            "CAIRO_PDF_METADATA_CREATOR": Int(CAIRO_PDF_METADATA_CREATOR.rawValue),
            "PANGO_WEIGHT_NORMAL": Int(PANGO_WEIGHT_NORMAL.rawValue),
            "PANGO_WEIGHT_BOLD": Int(PANGO_WEIGHT_BOLD.rawValue),
            "PANGO_WRAP_WORD_CHAR": Int(PANGO_WRAP_WORD_CHAR.rawValue),
            "PANGO_ELLIPSIZE_NONE": Int(PANGO_ELLIPSIZE_NONE.rawValue),
            "PANGO_ELLIPSIZE_END": Int(PANGO_ELLIPSIZE_END.rawValue),
            "PANGO_ALIGN_LEFT": Int(PANGO_ALIGN_LEFT.rawValue),
            "PANGO_ALIGN_CENTER": Int(PANGO_ALIGN_CENTER.rawValue),
            "PANGO_ALIGN_RIGHT": Int(PANGO_ALIGN_RIGHT.rawValue),
            "PANGO_SCALE": Int(PANGO_SCALE),
        ]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pangocairo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // The installed headers print their values (nothing is linked: only constants are read).
        let program = """
            #include <stdio.h>
            #include <cairo.h>
            #include <cairo-pdf.h>
            #include <pango/pangocairo.h>
            int main(void) {
            \(ours.keys.sorted().map { "    printf(\"\($0)=%d\\n\", (int)\($0));" }.joined(separator: "\n"))
                return 0;
            }
            """
        try program.write(to: directory.appendingPathComponent("values.c"), atomically: true, encoding: .utf8)
        let source = directory.appendingPathComponent("values.c").path, binary = directory.appendingPathComponent("values").path
        try await ChildProcess.shell("cc $(pkg-config --cflags pangocairo) '\(source)' -o '\(binary)'")
        let printed = try await ChildProcess.shell("'\(binary)'")
        var theirs: [String: Int] = [:]
        for line in printed.split(separator: "\n") {
            let parts = line.split(separator: "=")
            if parts.count == 2, let value = Int(parts[1]) { theirs[String(parts[0])] = value }
        }
        #expect(theirs == ours)
    }
}
