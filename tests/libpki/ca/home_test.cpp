// SPDX-License-Identifier: Apache-2.0
// The PKI home: what an uninitialised one says, how CAs are found and loaded, and the
// refusal of a key that does not belong to its certificate.
#include <doctest/doctest.h>

#include "ca/home.hpp"
#include "fsutil/files.hpp"
#include "pki_fixture.hpp"
#include "workflows/init_ca.hpp"
#include "x509/pem.hpp"

namespace {

using test::code_of;

pki::keys::PassphraseSource no_pass() {
  return pki::keys::PassphraseSource();
}

}  // namespace

TEST_CASE("a missing or uninitialised home is 66 and names 'iot-ca init'") {
  const test::ScratchDir dir("home-empty");
  const pki::ca::Home absent(dir.path / "nope");
  CHECK_THROWS_WITH_AS(absent.require_initialised(), doctest::Contains("iot-ca init"), pki::Error);
  const pki::ca::Home empty(dir.path);
  CHECK(code_of([&] { empty.require_initialised(); }) == pki::Exit::no_input);
  CHECK(code_of([&] { (void)empty.open_store(); }) == pki::Exit::no_input);
  CHECK(code_of([&] { (void)empty.root_cert(); }) == pki::Exit::no_input);
  CHECK(empty.issuing_names().empty());
  CHECK(empty.default_signer_name() == "root");
}

TEST_CASE("issuing CAs are listed oldest first and the newest signs by default") {
  const test::ScratchDir dir("home-cas");
  const pki::ca::Home home(dir.path);
  (void)pki::workflows::init_root(home, {"Home Root", "Org", pki::keys::KeyType::ec_p256, 30, true},
                                  no_pass());
  CHECK_NOTHROW(home.require_initialised());
  (void)pki::workflows::create_issuing(
      home, {"line1", "Line 1", pki::keys::KeyType::ec_p256, 10, true}, no_pass());
  CHECK(home.issuing_names() == std::vector<std::string>{"line1"});
  CHECK(home.default_signer_name() == "line1");
  const pki::x509::Signer root = home.load_ca("root", no_pass());
  CHECK(root.name == "root");
  const pki::x509::Signer iss = home.load_ca("line1", no_pass());
  CHECK(iss.name == "line1");
  CHECK(::X509_check_issued(root.cert.get(), iss.cert.get()) == X509_V_OK);
  CHECK(code_of([&] { (void)home.load_ca("line9", no_pass()); }) == pki::Exit::no_input);
  CHECK(code_of([&] { (void)home.issuing_cert("line9"); }) == pki::Exit::no_input);
}

TEST_CASE("a CA key that does not belong to the certificate beside it is refused with 78") {
  const test::ScratchDir dir("home-swap");
  const pki::ca::Home home(dir.path);
  (void)pki::workflows::init_root(home, {"Home Root", "Org", pki::keys::KeyType::ec_p256, 30, true},
                                  no_pass());
  const pki::PkeyPtr other = pki::keys::generate(pki::keys::KeyType::ec_p256);
  pki::keys::write_private_key(home.root_key_path(), other.get(), pki::Secret());
  CHECK_THROWS_WITH_AS((void)home.load_root(no_pass()),
                       doctest::Contains("does not belong to the certificate"), pki::Error);
  CHECK(code_of([&] { (void)home.load_root(no_pass()); }) == pki::Exit::config);
}

TEST_CASE("CA names follow the device id alphabet and 'root' is reserved") {
  CHECK_NOTHROW(pki::ca::require_ca_name("line-1.a_b"));
  CHECK(code_of([] { pki::ca::require_ca_name("root"); }) == pki::Exit::usage);
  CHECK(code_of([] { pki::ca::require_ca_name("../x"); }) == pki::Exit::usage);
  CHECK(code_of([] { pki::ca::require_ca_name(""); }) == pki::Exit::usage);
}
