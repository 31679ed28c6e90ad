// SPDX-License-Identifier: Apache-2.0
#include "crl/der.hpp"

#include <array>

#include "core/error.hpp"

namespace pki::crl::der {
namespace {

constexpr unsigned char kInteger = 0x02;
constexpr unsigned char kUtcTime = 0x17;
constexpr unsigned char kGeneralizedTime = 0x18;
// Serials are at most 20 octets (RFC 5280 §4.1.2.2); the registry accepts up to 32.
constexpr std::size_t kMaxSerialBytes = 32;
// Tag, length, "YYYYMMDDHHMMSSZ".
constexpr std::size_t kMaxTimeTlv = 2 + 15;

// Extensions ::= SEQUENCE { Extension { extnID id-ce-cRLReasons (2.5.29.21),
//                                       extnValue OCTET STRING { ENUMERATED } } }
// with the ENUMERATED value as the last byte.
constexpr std::array<unsigned char, 14> kReasonExtension = {
    0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, 0x00};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

[[noreturn]] void bad_serial(std::string_view serial_hex) {
  throw Error(Exit::data, "registry: invalid serial '" + std::string(serial_hex.substr(0, 80)) +
                              "' (expected hexadecimal)");
}

// The DER INTEGER content of a non-negative serial: minimal, with a leading zero
// octet when the top bit is set so it stays positive (X.690 §8.3.2).
std::size_t serial_content(std::string_view hex,
                           std::array<unsigned char, kMaxSerialBytes + 1>& buf) {
  if (hex.empty() || hex.size() > 2 * kMaxSerialBytes) bad_serial(hex);
  std::array<unsigned char, kMaxSerialBytes> raw{};
  std::size_t n = 0;
  std::size_t i = 0;
  if (hex.size() % 2 != 0) {  // an odd digit count has an implicit leading zero
    const int lo = hex_value(hex[0]);
    if (lo < 0) bad_serial(hex);
    raw[n++] = static_cast<unsigned char>(lo);
    i = 1;
  }
  for (; i < hex.size(); i += 2) {
    const int hi = hex_value(hex[i]);
    const int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) bad_serial(hex);
    raw[n++] = static_cast<unsigned char>(hi << 4 | lo);
  }
  std::size_t skip = 0;
  while (skip + 1 < n && raw[skip] == 0) ++skip;
  std::size_t len = 0;
  if ((raw[skip] & 0x80) != 0) buf[len++] = 0;
  for (std::size_t k = skip; k < n; ++k) buf[len++] = raw[k];
  return len;
}

}  // namespace

std::size_t header_size(std::size_t content_len) {
  if (content_len < 0x80) return 2;  // short form
  std::size_t n = 2;                 // tag, 0x80 | count, then the count of length octets
  for (std::size_t v = content_len; v > 0; v >>= 8) ++n;
  return n;
}

void put_header(std::string& out, unsigned char tag, std::size_t content_len) {
  out.push_back(static_cast<char>(tag));
  if (content_len < 0x80) {
    out.push_back(static_cast<char>(content_len));
    return;
  }
  const std::size_t len_bytes = header_size(content_len) - 2;
  if (len_bytes > 4) throw Error(Exit::internal, "DER element too large");
  out.push_back(static_cast<char>(0x80 | len_bytes));
  for (std::size_t k = len_bytes; k > 0; --k) {
    out.push_back(static_cast<char>((content_len >> (8 * (k - 1))) & 0xff));
  }
}

namespace {

struct Civil {
  std::int64_t year;
  unsigned month, day, hour, minute, second;
};

// Seconds since the epoch to a UTC calendar time, proleptic Gregorian: H. Hinnant's
// civil_from_days. Pure arithmetic: gmtime_r takes a process-wide lock and, with
// snprintf, was most of the cost of a million-entry CRL.
Civil to_civil(std::int64_t t) {
  std::int64_t days = t / 86400;
  std::int64_t secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  Civil c{};
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = static_cast<std::int64_t>(yoe) + era * 400 + (c.month <= 2 ? 1 : 0);
  c.hour = static_cast<unsigned>(secs / 3600);
  c.minute = static_cast<unsigned>(secs / 60 % 60);
  c.second = static_cast<unsigned>(secs % 60);
  return c;
}

char* put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

std::size_t encode_time(std::int64_t unix_seconds, std::array<char, kMaxTimeTlv>& out) {
  const Civil c = to_civil(unix_seconds);
  if (c.year < 1950 || c.year > 9999) throw Error(Exit::data, "time out of range for a CRL");
  const bool utc = c.year <= 2049;
  char* p = out.data() + 2;
  const auto year = static_cast<unsigned>(c.year);
  if (!utc) p = put2(p, year / 100);
  p = put2(p, year % 100);
  p = put2(p, c.month);
  p = put2(p, c.day);
  p = put2(p, c.hour);
  p = put2(p, c.minute);
  p = put2(p, c.second);
  *p++ = 'Z';
  const auto n = static_cast<std::size_t>(p - (out.data() + 2));
  out[0] = static_cast<char>(utc ? kUtcTime : kGeneralizedTime);
  out[1] = static_cast<char>(n);
  return n + 2;
}

}  // namespace

void append_time(std::string& out, std::int64_t unix_seconds) {
  std::array<char, kMaxTimeTlv> buf{};
  out.append(buf.data(), encode_time(unix_seconds, buf));
}

void append_revoked(std::string& out, std::string_view serial_hex, std::int64_t revoked_at,
                    Reason reason) {
  std::array<unsigned char, kMaxSerialBytes + 1> serial{};
  const std::size_t serial_len = serial_content(serial_hex, serial);
  std::array<char, kMaxTimeTlv> time{};
  const std::size_t time_len = encode_time(revoked_at, time);
  const bool with_reason = reason != Reason::unspecified;
  const std::size_t content =
      2 + serial_len + time_len + (with_reason ? kReasonExtension.size() : 0);
  put_header(out, kSequence, content);
  put_header(out, kInteger, serial_len);
  out.append(reinterpret_cast<const char*>(serial.data()), serial_len);
  out.append(time.data(), time_len);
  if (with_reason) {
    const std::size_t at = out.size();
    out.append(reinterpret_cast<const char*>(kReasonExtension.data()), kReasonExtension.size());
    out[at + kReasonExtension.size() - 1] = static_cast<char>(static_cast<int>(reason));
  }
}

Header read_header(std::string_view der, std::size_t pos) {
  const auto fail = [] { throw Error(Exit::internal, "malformed DER from the CRL template"); };
  if (pos + 2 > der.size()) fail();
  Header h;
  h.tag = static_cast<unsigned char>(der[pos]);
  const auto first = static_cast<unsigned char>(der[pos + 1]);
  h.header_len = 2;
  if (first < 0x80) {
    h.content_len = first;
  } else {
    const std::size_t n = first & 0x7f;
    if (n == 0 || n > 4 || pos + 2 + n > der.size()) fail();
    for (std::size_t k = 0; k < n; ++k) {
      h.content_len = h.content_len << 8 | static_cast<unsigned char>(der[pos + 2 + k]);
    }
    h.header_len += n;
  }
  if (pos + h.total() > der.size()) fail();
  return h;
}

}  // namespace pki::crl::der
