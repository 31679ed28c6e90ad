// SPDX-License-Identifier: Apache-2.0
// The audit event table (gateway/audit/events.hpp) against everything outside the
// binary that depends on it: the fail2ban filter shipped in examples/deploy, the
// Python test helper, the metrics labels and the log's own outcome field.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/audit/audit_log.hpp"
#include "gateway/audit/events.hpp"
#include "gateway/metrics/metrics.hpp"

namespace {

using gw::audit::Event;
using gw::audit::kEvents;

std::string read_source(const std::string& rel) {
  std::ifstream f(std::string(IOTPKI_SOURCE_DIR) + "/" + rel);
  REQUIRE_MESSAGE(f.good(), rel);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// fail2ban's [Definition] values: `key = first line` plus indented continuation lines,
// one regex per line.
std::vector<std::string> filter_values(const std::string& conf, const std::string& key) {
  std::vector<std::string> out;
  std::istringstream in(conf);
  bool in_key = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + " =", 0) == 0) {
      in_key = true;
      line = line.substr(line.find('=') + 1);
    } else if (!in_key || line.empty() || (line[0] != ' ' && line[0] != '\t')) {
      in_key = false;
      continue;
    }
    const auto first = line.find_first_not_of(" \t");
    if (first != std::string::npos) out.push_back(line.substr(first));
  }
  return out;
}

// fail2ban's <ADDR> tag (IPv4 or IPv6), the rest is Python regex syntax that ECMAScript
// reads the same way here (look-ahead, non-capturing groups, classes).
std::regex compile(std::string re) {
  const std::string tag = "<ADDR>";
  for (auto pos = re.find(tag); pos != std::string::npos; pos = re.find(tag)) {
    re.replace(pos, tag.size(), "[0-9A-Fa-f.:]+");
  }
  return std::regex(re);
}

struct Filter {
  std::vector<std::regex> fail;
  std::vector<std::regex> ignore;
  [[nodiscard]] bool matches(const std::string& line) const {
    bool hit = false;
    for (const auto& r : fail) hit = hit || std::regex_search(line, r);
    for (const auto& r : ignore) hit = hit && !std::regex_search(line, r);
    return hit;
  }
};

Filter load_filter() {
  const std::string conf = read_source("examples/deploy/fail2ban/filter.d/iot-gateway.conf");
  Filter f;
  for (const auto& re : filter_values(conf, "failregex")) f.fail.push_back(compile(re));
  for (const auto& re : filter_values(conf, "ignoreregex")) f.ignore.push_back(compile(re));
  REQUIRE(f.fail.size() == 1);
  REQUIRE(!f.ignore.empty());
  return f;
}

// A line exactly as the gateway writes it for this event, from a client when the event
// can name one.
std::string line_for(Event e, const std::string& ip) {
  gw::audit::Record r;
  r.event = e;
  r.remote_ip = ip;
  r.device_id = "dev-1";
  r.reason = "test";
  return gw::audit::render(r, 1'700'000'000'123, 7, std::string(64, '0'));
}

}  // namespace

TEST_CASE("the fail2ban filter matches exactly the events the table counts toward a ban") {
  const Filter filter = load_filter();
  std::size_t counted = 0;
  for (const auto& row : kEvents) {
    INFO(row.name);
    const bool counts = gw::audit::counts_toward_ban(row.event);
    counted += counts ? 1 : 0;
    for (const std::string ip : {"198.51.100.7", "2001:db8::7"}) {
      CHECK(filter.matches(line_for(row.event, ip)) == counts);
    }
    // Without a client (the reloader's CRL records, a repaired tail) nothing can match.
    CHECK_FALSE(filter.matches(line_for(row.event, "")));
  }
  CHECK(counted > 10);  // the check above would pass on an empty column too
}

TEST_CASE("the log writes each event's name and outcome from the table") {
  for (const auto& row : kEvents) {
    INFO(row.name);
    const auto j = nlohmann::json::parse(line_for(row.event, "192.0.2.1"));
    CHECK(j["event"] == std::string(row.name));
    CHECK(j["outcome"] == (row.outcome == gw::audit::Outcome::success ? "success" : "failure"));
    // An event that never names a client writes "" even when a caller filled an address.
    CHECK(j["remote_ip"] == (gw::audit::names_client(row.event) ? "192.0.2.1" : ""));
  }
}

TEST_CASE("every audit event has its own metrics series, and there is no catch-all") {
  gw::metrics::Metrics m;
  for (std::size_t i = 0; i < kEvents.size(); ++i) {
    for (std::size_t n = 0; n <= i; ++n) m.count_event(kEvents[i].event);
  }
  const std::string text = m.render({});
  for (std::size_t i = 0; i < kEvents.size(); ++i) {
    const std::string series = "iot_gateway_auth_events_total{event=\"" +
                               std::string(kEvents[i].name) + "\"} " + std::to_string(i + 1) + "\n";
    CHECK_MESSAGE(text.find(series) != std::string::npos, series);
  }
  CHECK(text.find("OTHER") == std::string::npos);
}

TEST_CASE("the Python audit-log helper reads the same event rows as the table") {
  // tests/deploy/audit_log.py parses events.hpp with one regular expression; if a row's
  // layout ever defeats it, this count differs (the helper refuses to run on too few).
  const std::string hpp = read_source("gateway/audit/events.hpp");
  const std::regex row(
      R"re(\{\s*Event::\w+,\s*"([A-Z_]+)",\s*Outcome::(\w+),\s*Ban::(\w+),\s*Client::(\w+)\s*\})re");
  std::vector<std::string> names;
  for (auto it = std::sregex_iterator(hpp.begin(), hpp.end(), row); it != std::sregex_iterator();
       ++it) {
    names.push_back((*it)[1]);
  }
  REQUIRE(names.size() == kEvents.size());
  for (std::size_t i = 0; i < kEvents.size(); ++i) CHECK(names[i] == kEvents[i].name);
  const std::string py = read_source("tests/deploy/audit_log.py");
  CHECK(py.find(R"re(Event::\w+,\s*"([A-Z_]+)",\s*Outcome::(\w+),\s*Ban::(\w+),)re") !=
        std::string::npos);
  CHECK(py.find("EVENTS = events()") != std::string::npos);
}
