import Digest
import Testing

@Suite("OpenSSL digests")
struct DigestTests {
    @Test("HMAC-SHA256 matches RFC 4231 test case 2")
    func hmacRFC4231() {
        let mac = Digest.hmacSHA256(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8))
        #expect(Digest.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("SHA-256 of 'abc' matches FIPS 180-2")
    func sha256() {
        #expect(
            Digest.hex(Digest.sha256(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("A prepared HMAC key gives RFC 4231's codes, for a message in one part or several")
    func preparedKey() throws {
        let jefe = try #require(HMACKey(Array("Jefe".utf8)))
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        #expect(Digest.hex(jefe.authenticationCode(Array("what do ya want for nothing?".utf8))) == expected)
        #expect(
            Digest.hex(jefe.authenticationCode(Array("what do ya ".utf8), [], Array("want for nothing?".utf8)))
                == expected)
        // Test case 6: a key longer than SHA-256's block is hashed first.
        let long = try #require(HMACKey([UInt8](repeating: 0xaa, count: 131)))
        #expect(
            Digest.hex(long.authenticationCode(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        #expect(jefe.authenticationCode([]) == Digest.hmacSHA256(key: Array("Jefe".utf8), data: [UInt8]()))
    }

    @Test("A prepared HMAC key signs from many threads at once, each message on its own")
    func preparedKeyConcurrently() async throws {
        let key = try #require(HMACKey(Array("shared".utf8)))
        let codes = await withTaskGroup(of: (Int, [UInt8]).self) { group in
            for index in 0..<64 {
                group.addTask {
                    var last: [UInt8] = []
                    for _ in 0..<200 { last = key.authenticationCode(Array("message \(index)".utf8)) }
                    return (index, last)
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for (index, code) in codes {
            #expect(code == Digest.hmacSHA256(key: Array("shared".utf8), data: Array("message \(index)".utf8)))
        }
        #expect(codes.count == 64)
    }
}
