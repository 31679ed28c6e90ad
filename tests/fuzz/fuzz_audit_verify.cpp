// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: `iot-gateway audit verify`, the reader of audit log lines from
// outside (gw::audit::Verifier fed line by line, as the command streams a file), with
// checkpoint signatures checked against the fixed Ed25519 key below, once with
// --stopped and once without, then without a key; and the ts parser on its own.
// The seeds (corpus/audit_verify/) are logs signed by that key: clean, head cut, tail
// cut, torn last line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gateway/audit/checkpoint.hpp"
#include "gateway/audit/verify.hpp"

namespace {

constexpr std::string_view kPub =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAB/C1fWpWDbslEdA+pzCUam2OVFycPbbiijY4/CNeY3U=\n"
    "-----END PUBLIC KEY-----\n";

const gw::audit::CheckpointVerifier& key() {
  static const auto k = gw::audit::CheckpointVerifier::from_pem(kPub, "fuzz key");
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const bool stopped : {false, true}) {
    gw::audit::VerifyOptions o;
    o.key = &key();
    o.stopped = stopped;
    o.now_ms = 1'800'000'000'000;
    (void)gw::audit::verify(text, o);
  }
  (void)gw::audit::verify(text);
  (void)gw::audit::parse_ts(text.substr(0, 64));
  return 0;
}
