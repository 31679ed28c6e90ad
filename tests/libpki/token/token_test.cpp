// SPDX-License-Identifier: Apache-2.0
// Token text format and Argon2id hashing.
#include <doctest/doctest.h>

#include <set>

#include "core/error.hpp"
#include "token/argon2.hpp"
#include "token/token.hpp"

namespace {

const pki::config::Argon2Cost kLow{1, 8192, 1};

std::string text_of(const pki::token::Token& t) {
  return std::string(pki::token::format(t).view());
}

}  // namespace

TEST_CASE("a generated token formats as iotp_<24 hex>_<43 base64url> and parses back") {
  const pki::token::Token t = pki::token::generate();
  const std::string text = text_of(t);
  CHECK(text.size() == pki::token::kTokenChars);
  CHECK(text.rfind("iotp_", 0) == 0);
  CHECK(pki::token::is_valid_id(t.id));
  const pki::token::Token back = pki::token::parse(text);
  CHECK(back.id == t.id);
  CHECK(back.secret.view() == t.secret.view());
  CHECK(back.secret.size() == 32);
}

TEST_CASE("parsing ignores the surrounding whitespace of a file or a pipe") {
  const std::string text = text_of(pki::token::generate());
  CHECK(pki::token::parse("  " + text + "\r\n").id == text.substr(5, 24));
}

TEST_CASE("generated ids and secrets do not repeat") {
  std::set<std::string> ids, secrets;
  for (int i = 0; i < 200; ++i) {
    const pki::token::Token t = pki::token::generate();
    ids.insert(t.id);
    secrets.insert(std::string(t.secret.view()));
  }
  CHECK(ids.size() == 200);
  CHECK(secrets.size() == 200);
}

TEST_CASE("malformed tokens are refused with exit 65 and the message never quotes them") {
  const std::string good = text_of(pki::token::generate());
  const std::string id = good.substr(5, 24), secret = good.substr(30);
  const std::string cases[] = {
      "",
      "iotp_",
      "IOTP_" + id + "_" + secret,
      "iotp-" + id + "_" + secret,
      "iotp_" + id + "-" + secret,
      "iotp_" + id.substr(1) + "x_" + secret,           // non-hex id
      "iotp_" + std::string(24, 'A') + "_" + secret,    // uppercase id
      "iotp_" + id + "_" + secret.substr(1),            // short
      "iotp_" + id + "_" + secret + "A",                // long
      "iotp_" + id + "_" + secret.substr(0, 42) + "+",  // not base64url
      "iotp_" + id + "_" + secret.substr(0, 42) + "B",  // non-canonical final char
      "iotp_" + id + "_" + secret.substr(0, 20) + " " + secret.substr(21),
      std::string(pki::token::kTokenChars, 'i'),
      // libsodium 1.0.18 decodes 0xFF as a digit; found by fuzz_token.
      "iotp_" + id + "_" + secret.substr(0, 18) + "\xff\xff" + secret.substr(20),
  };
  for (const std::string& c : cases) {
    CAPTURE(c);
    try {
      (void)pki::token::parse(c);
      FAIL("accepted");
    } catch (const pki::Error& e) {
      CHECK(e.code() == pki::Exit::data);
      CHECK(std::string(e.what()).find("malformed token") != std::string::npos);
      CHECK(std::string(e.what()).find(secret.substr(0, 12)) == std::string::npos);
    }
  }
}

TEST_CASE("a token whose last base64url character carries non-zero padding bits is refused") {
  // 32 bytes = 256 bits; 43 characters carry 258, so the last character has 2 spare bits.
  pki::token::Token t = pki::token::generate();
  std::string text = text_of(t);
  const char last = text.back();
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const auto v = alphabet.find(last);
  text.back() = alphabet[(v & ~3U) | ((v & 3U) ^ 1U)];
  CHECK_THROWS_AS((void)pki::token::parse(text), pki::Error);
}

TEST_CASE("an Argon2id hash is a PHC string with the configured cost and a 16-byte salt") {
  const std::string phc = pki::token::hash_secret("secret bytes", kLow);
  CHECK(phc.rfind("$argon2id$v=19$m=8192,t=1,p=1$", 0) == 0);
  // salt: 16 bytes → 22 base64 characters (PHC omits padding); hash: 32 → 43.
  const auto s = phc.find('$', 30);
  CHECK(s - 30 == 22);
  CHECK(phc.size() - s - 1 == 43);
}

TEST_CASE("the same secret hashes differently every time (per-token salt)") {
  CHECK(pki::token::hash_secret("same", kLow) != pki::token::hash_secret("same", kLow));
}

TEST_CASE("verification accepts the secret and refuses any other") {
  const std::string phc = pki::token::hash_secret("right secret", kLow);
  CHECK(pki::token::verify_secret(phc, "right secret"));
  CHECK_FALSE(pki::token::verify_secret(phc, "right secreT"));
  CHECK_FALSE(pki::token::verify_secret(phc, ""));
  CHECK_FALSE(pki::token::verify_secret(phc, std::string("right secret\0", 13)));
}

TEST_CASE("a stored hash that is not Argon2id is refused as damage, never verified") {
  std::string phc = pki::token::hash_secret("x", kLow);
  phc.replace(0, 10, "$argon2i$");
  CHECK_THROWS_AS((void)pki::token::verify_secret(phc, "x"), pki::Error);
  CHECK_THROWS_AS((void)pki::token::verify_secret("$argon2id$garbage", "x"), pki::Error);
}
