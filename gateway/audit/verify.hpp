#pragma once
// `iot-gateway audit verify`: walks the hash chain of an audit log.
#include <cstdint>
#include <string>
#include <string_view>

namespace gw::audit {

struct VerifyResult {
  bool ok = true;
  std::uint64_t lines = 0;
  std::uint64_t bad_line = 0;  // 1-based line number of the first bad line when !ok
  std::string problem;
};

// The first line's `prev` anchors the chain (a rotated file starts mid-chain); every
// later line must have seq = previous seq + 1 and prev = SHA-256 hex of the previous
// line. When line N+1's `prev` does not match line N, the line blamed is N when line
// N+1 is itself intact (its hash matches line N+2's prev), else N+1.
[[nodiscard]] VerifyResult verify(std::string_view content);

}  // namespace gw::audit
