#include <doctest/doctest.h>
#include <unistd.h>

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
    gw::admin::DenyLists lists(dir);
    CHECK(lists.deny_serial("0A1B", {"keyCompromise", "alice", 100}));
    CHECK_FALSE(lists.deny_serial("0A1B", {"superseded", "bob", 200}));
    CHECK(lists.deny_jti("jti-1", 5000, 1000));
  }
  gw::admin::DenyLists again(dir);
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
  gw::admin::DenyLists lists(dir);
  CHECK(lists.deny_jti("old", 10, 0));
  CHECK(lists.deny_jti("new", 500, 100));
  CHECK(lists.jti_count() == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a corrupt deny list stops start-up instead of being ignored") {
  const auto dir = scratch("corrupt");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "denied-serials.json") << "{not json";
  CHECK_THROWS_AS(gw::admin::DenyLists{dir}, pki::Error);
  std::ofstream(dir / "denied-serials.json", std::ios::trunc) << R"({"0A":{"reason":1}})";
  CHECK_THROWS_AS(gw::admin::DenyLists{dir}, pki::Error);
  std::filesystem::remove_all(dir);
}
