import CPESimulator
import CWMP
import Foundation
import FoundationXML

/// The CWMP codec alone, on the storm's own Informs: decoding each Inform as the ACS does (XML tree,
/// then the CWMP message) and encoding its InformResponse, beside libxml2 (Foundation's `XMLParser`)
/// merely scanning the same bytes with a delegate that does nothing. No network, no database: the
/// figures repeat run to run, and under `valgrind --tool=callgrind` they count instructions.
struct CodecBench {
    let models: [DataModel]
    let informs: Int
    let passes: Int

    func run() throws {
        var bodies: [[UInt8]] = []
        for k in 0..<informs {
            var cpe = Storm.cpe(k, models: models)
            cpe.pendingEvents = [InformEvent(code: InformEvent.boot)]
            let envelope = Envelope(version: .v1_0, id: "1", message: CPEMessage.inform(cpe.inform(currentTime: XSD.format(Date()))))
            bodies.append(Array(CWMPEncoder().encode(envelope).utf8))
        }
        let bytes = bodies.reduce(0) { $0 + $1.count }
        print(String(format: "%d Informs of the storm's CPEs, %.0f bytes each on average, %d passes", informs, Double(bytes) / Double(informs), passes))
        let decoder = CWMPDecoder()
        let encoder = CWMPEncoder()
        var parameters = 0
        let ours = try time {
            for body in bodies {
                guard case .inform(let inform) = try decoder.decodeCPE(body).message else { throw CodecFailure.notAnInform }
                parameters &+= inform.parameters.count
            }
        }
        let answers = time {
            for _ in bodies { parameters &+= encoder.encode(Envelope(version: .v1_0, id: "1", message: ACSMessage.informResponse(maxEnvelopes: 1))).utf8.count }
        }
        let scanner = NothingDelegate()
        let libxml2 = try time {
            for body in bodies {
                let parser = XMLParser(data: Data(body))
                parser.delegate = scanner
                guard parser.parse() else { throw CodecFailure.libxml2 }
            }
        }
        let count = Double(informs * passes)
        print(String(format: "decode Inform (XML tree + CWMP message): %.1f µs each", ours / count * 1e6))
        print(String(format: "encode InformResponse: %.1f µs each", answers / count * 1e6))
        print(String(format: "libxml2 scan of the same bytes (Foundation XMLParser, no-op delegate): %.1f µs each", libxml2 / count * 1e6))
        print(String(format: "ratio decode / libxml2 scan: %.2f (checksum %d, %d elements seen by libxml2)", ours / libxml2, parameters, scanner.elements))
    }

    /// Seconds taken by `passes` runs of `body`.
    func time(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        for _ in 0..<passes { try body() }
        return Storm.seconds(ContinuousClock.now - start)
    }
}

enum CodecFailure: Error {
    case notAnInform
    case libxml2
}

/// A SAX delegate that only counts elements: the least a parser must do with the document.
final class NothingDelegate: NSObject, XMLParserDelegate {
    var elements = 0

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements += 1
    }
}
