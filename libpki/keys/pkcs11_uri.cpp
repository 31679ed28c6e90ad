// SPDX-License-Identifier: Apache-2.0
#include "keys/pkcs11_uri.hpp"

#include <array>

#include "core/error.hpp"

namespace pki::keys {
namespace {

constexpr std::string_view kScheme = "pkcs11:";

[[noreturn]] void refuse(const std::string& why) {
  throw Error(Exit::usage, "PKCS#11 URI: " + why);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 unreserved characters, written as they are; everything else as %XX.
bool unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string decode(std::string_view value, std::string_view name) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '%') {
      const int hi = i + 2 < value.size() ? hex_value(value[i + 1]) : -1;
      const int lo = i + 2 < value.size() ? hex_value(value[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        refuse("bad percent-encoding in the value of '" + std::string(name) + "'");
      }
      const char byte = static_cast<char>(hi * 16 + lo);
      if (byte == '\0') refuse("a NUL byte in the value of '" + std::string(name) + "'");
      out += byte;
      i += 2;
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '/' || c == '?' || c == '#') {
      refuse("a character that must be percent-encoded in the value of '" + std::string(name) +
             "'");
    }
    out += c;
  }
  return out;
}

void encode_into(std::string& out, std::string_view name, std::string_view value) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
  if (value.empty()) return;
  if (out.size() > kScheme.size()) out += ';';
  out += name;
  out += '=';
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (unreserved(u)) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
}

}  // namespace

std::string Pkcs11Uri::str() const {
  std::string out(kScheme);
  encode_into(out, "token", token);
  encode_into(out, "manufacturer", manufacturer);
  encode_into(out, "model", model);
  encode_into(out, "serial", serial);
  encode_into(out, "object", object);
  encode_into(out, "id", id);
  if (out.size() > kScheme.size()) out += ";type=private";
  return out;
}

Pkcs11Uri parse_pkcs11_uri(std::string_view uri) {
  if (uri.empty()) refuse("empty");
  if (uri.size() > kMaxPkcs11UriLength) {
    refuse("longer than " + std::to_string(kMaxPkcs11UriLength) + " bytes");
  }
  if (uri.substr(0, kScheme.size()) != kScheme) refuse("does not start with 'pkcs11:'");
  std::string_view rest = uri.substr(kScheme.size());
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    const std::string_view query = rest.substr(q + 1);
    if (query.find("pin-value") != std::string_view::npos ||
        query.find("pin-source") != std::string_view::npos) {
      refuse(
          "a PIN in the URI is refused (pin-value/pin-source); give it with --pin-file F "
          "or at the terminal prompt");
    }
    refuse("a query part ('?…') is not accepted; the module is [hsm] module in iot-pki.toml");
  }
  Pkcs11Uri out;
  bool seen_type = false;
  bool more = !rest.empty();
  while (more) {
    const auto semi = rest.find(';');
    const std::string_view attr = rest.substr(0, semi);
    more = semi != std::string_view::npos;  // a ';' promises another attribute
    rest = more ? rest.substr(semi + 1) : std::string_view();
    if (attr.empty()) refuse("an empty attribute (';;' or a trailing ';')");
    const auto eq = attr.find('=');
    if (eq == std::string_view::npos) refuse("an attribute without '='");
    const std::string_view name = attr.substr(0, eq);
    if (name == "pin-value" || name == "pin-source") {
      refuse("a PIN in the URI is refused (" + std::string(name) +
             "); give it with --pin-file F or at the terminal prompt");
    }
    std::string* field = nullptr;
    if (name == "token") field = &out.token;
    if (name == "object") field = &out.object;
    if (name == "id") field = &out.id;
    if (name == "manufacturer") field = &out.manufacturer;
    if (name == "model") field = &out.model;
    if (name == "serial") field = &out.serial;
    const std::string value = [&] {
      if (field == nullptr && name != "type") {
        std::string shown(name.substr(0, 40));
        for (char& c : shown) {
          if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) c = '?';
        }
        refuse("unknown attribute '" + shown +
               "' (accepted: token, object, id, manufacturer, model, serial, type)");
      }
      return decode(attr.substr(eq + 1), name);
    }();
    if (value.empty()) refuse("an empty value for '" + std::string(name) + "'");
    if (value.size() > kMaxPkcs11ValueLength) {
      refuse("the value of '" + std::string(name) + "' is longer than " +
             std::to_string(kMaxPkcs11ValueLength) + " bytes");
    }
    if (name == "type") {
      if (seen_type) refuse("'type' given twice");
      if (value != "private") refuse("type must be 'private' (a CA's private key)");
      seen_type = true;
      continue;
    }
    if (!field->empty()) refuse("'" + std::string(name) + "' given twice");
    *field = value;
  }
  if (out.token.empty()) refuse("no token=… (the token's label)");
  if (out.object.empty() && out.id.empty()) refuse("neither object=… nor id=… names the key");
  return out;
}

}  // namespace pki::keys
