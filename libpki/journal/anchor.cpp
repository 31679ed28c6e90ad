// SPDX-License-Identifier: Apache-2.0
#include "journal/anchor.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "fsutil/files.hpp"

namespace pki::journal {
namespace {

constexpr int kMaxDepth = 8;

[[noreturn]] void bad(std::string_view what, const std::string& problem) {
  throw Error(Exit::data, std::string(what) + ": " + problem);
}

// Nesting depth of [ and { outside strings: refused past kMaxDepth before any parse.
bool nesting_within(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

bool is_int(const nlohmann::json& v) {
  return v.is_number_integer() || v.is_number_unsigned();
}

std::int64_t positive_int(const nlohmann::json& obj, const char* key, std::string_view what,
                          const std::string& where) {
  const auto it = obj.find(key);
  if (it == obj.end()) bad(what, where + " has no \"" + key + "\"");
  if (!is_int(*it) || (it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX) ||
      it->get<std::int64_t>() < 1) {
    bad(what, where + " \"" + key + "\" is not an integer of at least 1");
  }
  return it->get<std::int64_t>();
}

const std::string& string_member(const nlohmann::json& obj, const char* key, std::string_view what,
                                 const std::string& where) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    bad(what, where + " has no string \"" + key + "\"");
  }
  return it->get_ref<const std::string&>();
}

bool is_lower_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Anchor parse_anchor(std::string_view text, std::string_view what) {
  if (!nesting_within(text, kMaxDepth)) {
    bad(what, "not a trust manifest (JSON nested deeper than " + std::to_string(kMaxDepth) + ")");
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    bad(what, "not JSON (is it the manifest.json that 'iot-ca export' wrote?)");
  }
  if (!doc.is_object()) bad(what, "not a trust manifest (not a JSON object)");
  const std::string top = "the manifest";
  if (string_member(doc, "format", what, top) != "iot-pki-trust/1") {
    bad(what, "not a trust manifest (format is not \"iot-pki-trust/1\")");
  }
  Anchor a;
  a.source = std::string(what);
  a.sequence = positive_int(doc, "sequence", what, top);
  a.generated_at = string_member(doc, "generated_at", what, top);
  const auto j = doc.find("journal");
  if (j == doc.end() || !j->is_object()) bad(what, "the manifest has no \"journal\" object");
  for (const auto& [key, value] : j->items()) {
    if (key != "seq" && key != "hash")
      bad(what, "\"journal\" has an unknown member \"" + key + "\"");
  }
  a.seq = positive_int(*j, "seq", what, "\"journal\"");
  a.hash = string_member(*j, "hash", what, "\"journal\"");
  if (!is_lower_hex64(a.hash)) bad(what, "\"journal\" \"hash\" is not 64 lowercase hex digits");
  const auto cas = doc.find("cas");
  if (cas == doc.end() || !cas->is_array()) bad(what, "the manifest has no \"cas\" array");
  for (const auto& ca : *cas) {
    if (!ca.is_object()) bad(what, "an entry of \"cas\" is not an object");
    const std::string& name = string_member(ca, "name", what, "an entry of \"cas\"");
    const std::int64_t n =
        positive_int(ca, "crl_number", what, "\"cas\" entry " + name.substr(0, 64));
    if (!a.crl_numbers.emplace(name, n).second) {
      bad(what, "\"cas\" names CA " + name.substr(0, 64) + " twice");
    }
  }
  return a;
}

Anchor read_anchor(const std::filesystem::path& manifest) {
  const std::string text = fs::read_file(manifest, {kManifestMaxBytes, "trust manifest"});
  Anchor a = parse_anchor(text, manifest.string());
  a.signature = signature_status(manifest);
  return a;
}

std::string signature_status(const std::filesystem::path& manifest) {
  std::error_code ec;
  const std::filesystem::path p7s = manifest.string() + ".p7s";
  if (!std::filesystem::exists(p7s, ec)) return "absent";
  // TODO(manifest signature, issue 11 item 3): verify manifest.json.p7s here with the
  // manifest module's verifier (detached CMS over the manifest bytes, publisher
  // certificate chaining to the root) once it is on this branch, and make a bad
  // signature a problem of journal verify. Until then the anchor is only as good as
  // the copy of manifest.json the operator trusts; say so.
  return "present, not checked by journal verify (check it with openssl cms -verify, "
         "docs/trust.md)";
}

}  // namespace pki::journal
