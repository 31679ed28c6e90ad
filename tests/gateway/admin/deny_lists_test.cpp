// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "gateway/admin/deny_lists.hpp"

namespace {

std::filesystem::path scratch(const char* tag) {
  auto p = std::filesystem::temp_directory_path() /
           (std::string("gw-deny-") + tag + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  return p;
}

}  // namespace

TEST_CASE("a denied serial and a denied jti survive a restart") {
  const auto dir = scratch("persist");
  {
    gw::admin::DenyLists lists(dir, 0);
    CHECK(lists.deny_serial("0A1B", {"keyCompromise", "alice", 100}));
    CHECK_FALSE(lists.deny_serial("0A1B", {"superseded", "bob", 200}));
    CHECK(lists.deny_jti("jti-1", 5000, 1000));
  }
  gw::admin::DenyLists again(dir, 0);
  CHECK(again.serial_denied("0A1B"));
  CHECK_FALSE(again.serial_denied("0A1C"));
  CHECK(again.jti_denied("jti-1", 4999));
  CHECK_FALSE(again.jti_denied("jti-1", 5001));  // past its expiry it protects nothing
  CHECK((std::filesystem::status(dir / "denied-serials.json").permissions() &
         std::filesystem::perms::group_all) == std::filesystem::perms::none);
  std::filesystem::remove_all(dir);
}

TEST_CASE("expired jtis are pruned when a new one is added") {
  const auto dir = scratch("prune");
  gw::admin::DenyLists lists(dir, 0);
  CHECK(lists.deny_jti("old", 10, 0));
  CHECK(lists.deny_jti("new", 500, 100));
  CHECK(lists.jti_count() == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a corrupt deny list stops start-up instead of being ignored") {
  const auto dir = scratch("corrupt");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "denied-serials.json") << "{not json";
  CHECK_THROWS_AS(gw::admin::DenyLists(dir, 0), pki::Error);
  std::ofstream(dir / "denied-serials.json", std::ios::trunc) << R"({"0A":{"reason":1}})";
  CHECK_THROWS_AS(gw::admin::DenyLists(dir, 0), pki::Error);
  std::filesystem::remove_all(dir);
}

// Issue 9 item 8. Fails before the fix: the entry stopped denying at exp while
// jwt::validate still accepted the token until exp + leeway.
TEST_CASE("a denied jti stays denied until exp + leeway, as long as the token validates") {
  const auto dir = scratch("leeway");
  gw::admin::DenyLists lists(dir, 30);
  CHECK(lists.deny_jti("j", 1000, 900));
  CHECK(lists.jti_denied("j", 999));
  CHECK(lists.jti_denied("j", 1000));
  CHECK(lists.jti_denied("j", 1029));        // jwt::validate accepts until now >= exp + leeway
  CHECK_FALSE(lists.jti_denied("j", 1030));  // the token itself is expired from here on
  // Purging on a later add uses the same instant.
  CHECK(lists.deny_jti("k", 5000, 1029));
  CHECK(lists.jti_count() == 2);
  CHECK(lists.deny_jti("l", 5000, 1030));
  CHECK(lists.jti_count() == 2);
  CHECK_FALSE(lists.jti_denied("j", 1029));
  // Restart: the leeway is the configuration's, not the file's.
  gw::admin::DenyLists again(dir, 30);
  CHECK(again.jti_denied("k", 5029));
  CHECK_FALSE(again.jti_denied("k", 5030));
  // No overflow near the end of time.
  CHECK(lists.deny_jti("far", INT64_MAX - 1, 1030));
  CHECK(lists.jti_denied("far", INT64_MAX - 1));
  std::filesystem::remove_all(dir);
}

TEST_CASE("denied serials from an older state file are read in the one written form") {
  const auto dir = scratch("forms");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "denied-serials.json")
      << R"({"0a1b":{"reason":"x","by":"a","at":1},"0000":{"reason":"x","by":"a","at":1}})";
  gw::admin::DenyLists lists(dir, 0);
  CHECK(lists.serial_denied("0A1B"));
  CHECK(lists.serial_denied("00"));
  std::ofstream(dir / "denied-serials.json", std::ios::trunc)
      << R"({"not hex":{"reason":"x","by":"a","at":1}})";
  CHECK_THROWS_AS(gw::admin::DenyLists(dir, 0), pki::Error);
  std::filesystem::remove_all(dir);
}
