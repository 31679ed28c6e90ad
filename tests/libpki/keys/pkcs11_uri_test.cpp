// SPDX-License-Identifier: Apache-2.0
// The PKCS#11 URI (RFC 7512) of a CA key in a token: what --key-uri accepts, what it
// refuses (a PIN above all), and the canonical spelling a home records.
#include <doctest/doctest.h>

#include <string>

#include "core/error.hpp"
#include "keys/pkcs11_uri.hpp"

using pki::keys::parse_pkcs11_uri;

namespace {

// The message of the Error(usage) the parser throws for `uri`.
std::string refusal(const std::string& uri) {
  try {
    (void)parse_pkcs11_uri(uri);
  } catch (const pki::Error& e) {
    CHECK(e.code() == pki::Exit::usage);
    return e.what();
  }
  FAIL("accepted: " << uri);
  return "";
}

}  // namespace

TEST_CASE("a token label and an object label name a key, and the canonical URI says so") {
  const auto u = parse_pkcs11_uri("pkcs11:token=iotpki-ca;object=root");
  CHECK(u.token == "iotpki-ca");
  CHECK(u.object == "root");
  CHECK(u.id.empty());
  CHECK(u.str() == "pkcs11:token=iotpki-ca;object=root;type=private");
}

TEST_CASE("percent-encoded values decode, and the canonical URI encodes every reserved byte") {
  const auto u = parse_pkcs11_uri(
      "pkcs11:model=PKCS%2315%20emulated;token=My%20Token;id=%01%ff;object=a%3bb;type=private");
  CHECK(u.token == "My Token");
  CHECK(u.model == "PKCS#15 emulated");
  CHECK(u.id == std::string("\x01\xff"));
  CHECK(u.object == "a;b");
  CHECK(u.str() ==
        "pkcs11:token=My%20Token;model=PKCS%2315%20emulated;object=a%3Bb;id=%01%FF;"
        "type=private");
  const auto again = parse_pkcs11_uri(u.str());
  CHECK(again.token == u.token);
  CHECK(again.object == u.object);
  CHECK(again.id == u.id);
}

TEST_CASE("a PIN in the URI is refused and the refusal does not repeat it") {
  for (const std::string uri : {"pkcs11:token=t;object=o;pin-value=s3cr3t-PIN",
                                "pkcs11:token=t;object=o?pin-value=s3cr3t-PIN",
                                "pkcs11:token=t;object=o?pin-source=file:/s3cr3t-PIN"}) {
    const std::string why = refusal(uri);
    CHECK(why.find("a PIN in the URI is refused") != std::string::npos);
    CHECK(why.find("s3cr3t") == std::string::npos);
  }
}

TEST_CASE("unknown, repeated and empty attributes are refused by name") {
  CHECK(refusal("pkcs11:token=t;object=o;slot-id=1").find("unknown attribute 'slot-id'") !=
        std::string::npos);
  CHECK(refusal("pkcs11:token=t;token=u;object=o").find("'token' given twice") !=
        std::string::npos);
  CHECK(refusal("pkcs11:token=t;object=").find("empty value for 'object'") != std::string::npos);
  CHECK(refusal("pkcs11:token=t;;object=o").find("empty attribute") != std::string::npos);
  CHECK(refusal("pkcs11:token=t;object=o;").find("empty attribute") != std::string::npos);
  CHECK(refusal("pkcs11:token=t;object").find("without '='") != std::string::npos);
  CHECK(refusal("pkcs11:token=t;object=o;type=cert").find("type must be 'private'") !=
        std::string::npos);
  CHECK(refusal("pkcs11:token=t;object=o?module-path=/tmp/evil.so").find("query part") !=
        std::string::npos);
}

TEST_CASE("bad percent-encoding, raw reserved bytes and NUL are refused") {
  for (const std::string uri : {"pkcs11:token=t;object=%zz", "pkcs11:token=t;object=%4",
                                "pkcs11:token=t;object=%", "pkcs11:token=t;object=a%g1"}) {
    CHECK(refusal(uri).find("bad percent-encoding") != std::string::npos);
  }
  CHECK(refusal("pkcs11:token=t;object=a b").find("must be percent-encoded") != std::string::npos);
  CHECK(refusal("pkcs11:token=t;object=a/b").find("must be percent-encoded") != std::string::npos);
  CHECK(refusal("pkcs11:token=t;object=a%00b").find("NUL") != std::string::npos);
}

TEST_CASE("an empty, over-long or foreign URI, or one naming no token or key, is refused") {
  CHECK(refusal("").find("empty") != std::string::npos);
  CHECK(refusal("pkcs11:").find("no token") != std::string::npos);
  CHECK(refusal("file:///etc/key.pem").find("does not start with 'pkcs11:'") != std::string::npos);
  CHECK(refusal("PKCS11:token=t;object=o").find("does not start with") != std::string::npos);
  CHECK(refusal("pkcs11:object=o").find("no token") != std::string::npos);
  CHECK(refusal("pkcs11:token=t").find("neither object") != std::string::npos);
  CHECK(refusal("pkcs11:token=t;object=" + std::string(4100, 'a')).find("longer than 4096") !=
        std::string::npos);
  CHECK(refusal("pkcs11:token=t;object=" + std::string(129, 'a')).find("longer than 128") !=
        std::string::npos);
  CHECK(parse_pkcs11_uri("pkcs11:token=t;id=%01").id == "\x01");
}
