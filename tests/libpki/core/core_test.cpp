// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/clock.hpp"
#include "core/encoding.hpp"
#include "core/error.hpp"
#include "fsutil/files.hpp"
#include "pki_fixture.hpp"

namespace stdfs = std::filesystem;

TEST_CASE("hex round-trips and rejects odd lengths and non-hex characters") {
  const pki::Bytes b{0x00, 0xab, 0x7f};
  CHECK(pki::hex_upper(b) == "00AB7F");
  CHECK(pki::hex_decode("00ab7F").value() == b);
  CHECK_FALSE(pki::hex_decode("abc").has_value());
  CHECK_FALSE(pki::hex_decode("zz").has_value());
  // Empty input decodes to no bytes (and hands libsodium no null buffer: UBSan caught it).
  CHECK(pki::hex_decode("").value().empty());
}

TEST_CASE("base64url has no padding and refuses characters outside its alphabet") {
  const pki::Bytes b{0xfb, 0xff};
  CHECK(pki::base64url(b) == "-_8");
  CHECK(pki::base64url_decode("-_8").value() == b);
  CHECK_FALSE(pki::base64url_decode("+/8=").has_value());
  CHECK_FALSE(pki::base64url_decode("AAAA\xff\xff"
                                    "AA")
                  .has_value());
  CHECK_FALSE(pki::base64url_decode("AA AA").has_value());
}

TEST_CASE("RFC 3339 timestamps are UTC with a Z") {
  CHECK(pki::rfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(pki::rfc3339_ms(1500) == "1970-01-01T00:00:01.500Z");
}

TEST_CASE("an atomic write replaces the file whole and sets its mode") {
  const auto dir = stdfs::temp_directory_path() / ("pki-core-" + std::to_string(::getpid()));
  pki::fs::ensure_private_dir(dir);
  const auto file = dir / "out.pem";
  pki::fs::write_file_atomic(file, "first", 0644);
  pki::fs::write_file_atomic(file, "second", 0600);
  CHECK(pki::fs::read_file(file, pki::fs::kConfigLimit) == "second");
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(std::distance(stdfs::directory_iterator(dir), stdfs::directory_iterator()) == 1);
  stdfs::remove_all(dir);
}

TEST_CASE("a private file readable by others is refused with the chmod fix") {
  const auto dir = stdfs::temp_directory_path() / ("pki-mode-" + std::to_string(::getpid()));
  pki::fs::ensure_private_dir(dir);
  const auto file = dir / "ca.key";
  pki::fs::write_file_atomic(file, "secret", 0644);
  try {
    (void)pki::fs::read_private_file(file);
    FAIL("expected a refusal");
  } catch (const pki::Error& e) {
    CHECK(e.code() == pki::Exit::config);
    CHECK(std::string(e.what()).find("chmod 600") != std::string::npos);
  }
  CHECK_THROWS_AS((void)pki::fs::read_file(dir / "missing", pki::fs::kConfigLimit), pki::Error);
  stdfs::remove_all(dir);
}

TEST_CASE(
    "a secret file is read whole into one buffer; a FIFO, a device or an oversized file is "
    "refused") {
  const auto dir = stdfs::temp_directory_path() / ("pki-secret-" + std::to_string(::getpid()));
  pki::fs::ensure_private_dir(dir);
  pki::fs::write_file_atomic(dir / "tok", "token-text\n", 0600);
  const pki::fs::SecretFile f = pki::fs::read_secret_file(dir / "tok", pki::fs::kTokenLimit);
  CHECK(f.text.view() == "token-text\n");
  CHECK_FALSE(f.shared);
  pki::fs::write_file_atomic(dir / "shared", "x", 0640);
  CHECK(pki::fs::read_secret_file(dir / "shared", pki::fs::kTokenLimit).shared);
  using test::code_of;
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  CHECK(code_of([&] { (void)pki::fs::read_secret_file(dir / "fifo", pki::fs::kTokenLimit); }) ==
        pki::Exit::no_input);
  CHECK(code_of([&] { (void)pki::fs::read_private_file("/dev/zero"); }) == pki::Exit::no_input);
  CHECK(code_of([&] { (void)pki::fs::read_secret_file(dir, pki::fs::kTokenLimit); }) ==
        pki::Exit::no_input);
  pki::fs::write_file_atomic(dir / "big", std::string(pki::fs::kTokenLimit.bytes + 1, 'x'), 0600);
  CHECK(code_of([&] { (void)pki::fs::read_secret_file(dir / "big", pki::fs::kTokenLimit); }) ==
        pki::Exit::data);
  CHECK(code_of([&] { pki::fs::require_regular_if_present(dir / "fifo", "registry file"); }) ==
        pki::Exit::no_input);
  CHECK(code_of([&] { pki::fs::require_regular_if_present(dir / "none", "registry file"); }) ==
        pki::Exit::ok);
  stdfs::remove_all(dir);
}
