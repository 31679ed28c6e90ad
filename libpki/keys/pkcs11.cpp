// SPDX-License-Identifier: Apache-2.0
// The one file that uses OpenSSL's (deprecated) ENGINE API, for libp11's pkcs11 engine.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "keys/pkcs11.hpp"

#include <dlfcn.h>
#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <p11-kit/pkcs11.h>

#include <array>
#include <cstdio>
#include <mutex>
#include <vector>

#include "core/error.hpp"

namespace pki::keys::pkcs11 {
namespace {

std::string rv_hex(CK_RV rv) {
  std::array<char, 24> buf{};
  std::snprintf(buf.data(), buf.size(), "CKR 0x%08lx", static_cast<unsigned long>(rv));
  return buf.data();
}

std::string trimmed(const unsigned char* p, std::size_t n) {
  std::string s(reinterpret_cast<const char*>(p), n);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

// The module loaded and initialised for one preparation; finalised again only when this
// process's first C_Initialize was ours (the engine may hold it initialised already).
class Module {
 public:
  explicit Module(const std::string& path) : path_(path) {
    so_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (so_ == nullptr) {
      const char* why = ::dlerror();
      throw Error(Exit::config, "PKCS#11 module " + path + " cannot be loaded (" +
                                    (why ? why : "?") + "); set [hsm] module in iot-pki.toml");
    }
    auto* get = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(so_, "C_GetFunctionList"));
    if (get == nullptr || get(&f_) != CKR_OK || f_ == nullptr) {
      ::dlclose(so_);
      throw Error(Exit::config, "PKCS#11 module " + path + " has no C_GetFunctionList");
    }
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    const CK_RV rv = f_->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      ::dlclose(so_);
      throw Error(Exit::config,
                  "PKCS#11 module " + path + ": C_Initialize failed (" + rv_hex(rv) + ")");
    }
    owns_init_ = rv == CKR_OK;
  }
  ~Module() {
    if (owns_init_) f_->C_Finalize(nullptr);
    ::dlclose(so_);
  }
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  [[nodiscard]] CK_FUNCTION_LIST_PTR f() const { return f_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  void* so_ = nullptr;
  CK_FUNCTION_LIST_PTR f_ = nullptr;
  bool owns_init_ = false;
};

class Session {
 public:
  Session(const Module& m, CK_SLOT_ID slot, bool rw) : f_(m.f()) {
    CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
    const CK_RV rv = f_->C_OpenSession(slot, flags, nullptr, nullptr, &h_);
    if (rv != CKR_OK) {
      throw Error(Exit::config, "PKCS#11: cannot open a session (" + rv_hex(rv) + ")");
    }
  }
  ~Session() { f_->C_CloseSession(h_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  [[nodiscard]] CK_SESSION_HANDLE h() const { return h_; }

 private:
  CK_FUNCTION_LIST_PTR f_;
  CK_SESSION_HANDLE h_ = 0;
};

struct Slot {
  CK_SLOT_ID id = 0;
  CK_TOKEN_INFO info{};
};

bool matches(const Pkcs11Uri& uri, const CK_TOKEN_INFO& t) {
  return trimmed(t.label, sizeof t.label) == uri.token &&
         (uri.serial.empty() || trimmed(t.serialNumber, sizeof t.serialNumber) == uri.serial) &&
         (uri.manufacturer.empty() ||
          trimmed(t.manufacturerID, sizeof t.manufacturerID) == uri.manufacturer) &&
         (uri.model.empty() || trimmed(t.model, sizeof t.model) == uri.model);
}

Slot find_token(const Module& m, const Pkcs11Uri& uri) {
  CK_ULONG n = 0;
  CK_RV rv = m.f()->C_GetSlotList(CK_TRUE, nullptr, &n);
  if (rv != CKR_OK) throw Error(Exit::config, "PKCS#11: C_GetSlotList failed (" + rv_hex(rv) + ")");
  std::vector<CK_SLOT_ID> ids(n);
  rv = m.f()->C_GetSlotList(CK_TRUE, ids.data(), &n);
  if (rv != CKR_OK) throw Error(Exit::config, "PKCS#11: C_GetSlotList failed (" + rv_hex(rv) + ")");
  ids.resize(n);
  for (const CK_SLOT_ID id : ids) {
    Slot s;
    s.id = id;
    if (m.f()->C_GetTokenInfo(id, &s.info) == CKR_OK && matches(uri, s.info)) return s;
  }
  throw Error(Exit::config, "PKCS#11: no token '" + uri.token + "' in module " + m.path() + " (" +
                                uri.str() +
                                "; softhsm2-util --show-slots or pkcs11-tool "
                                "--module " +
                                m.path() + " --list-tokens shows what is there)");
}

void login(const Module& m, const Slot& slot, const Session& s, const Pkcs11Uri& uri,
           const Secret& pin) {
  const std::string who = "PKCS#11 login failed for token '" + uri.token + "'";
  if ((slot.info.flags & CKF_USER_PIN_LOCKED) != 0) {
    throw Error(Exit::denied, who +
                                  ": the user PIN is locked (too many wrong PINs); the security "
                                  "officer must unlock it (pkcs11-tool --init-pin --login "
                                  "--login-type so, or the token's own tool)");
  }
  const CK_RV rv = m.f()->C_Login(
      s.h(), CKU_USER,
      reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.c_str())),  // NOLINT: C API
      static_cast<CK_ULONG>(pin.size()));
  if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) return;
  if (rv == CKR_PIN_INCORRECT) {
    const bool final_try = (slot.info.flags & CKF_USER_PIN_FINAL_TRY) != 0;
    throw Error(Exit::denied,
                who + ": wrong PIN" + (final_try ? " (the next wrong PIN locks the token)" : ""));
  }
  if (rv == CKR_PIN_LOCKED) {
    throw Error(Exit::denied, who + ": the user PIN is locked (too many wrong PINs)");
  }
  if (rv == CKR_USER_PIN_NOT_INITIALIZED) {
    throw Error(Exit::config, who + ": the token has no user PIN yet (initialise it first)");
  }
  throw Error(Exit::denied, who + " (" + rv_hex(rv) + ")");
}

std::vector<CK_OBJECT_HANDLE> find_private_keys(const Module& m, const Session& s,
                                                const Pkcs11Uri& uri) {
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  std::vector<CK_ATTRIBUTE> tmpl = {{CKA_CLASS, &cls, sizeof cls}};
  std::string label = uri.object;
  std::string id = uri.id;
  if (!label.empty()) tmpl.push_back({CKA_LABEL, label.data(), label.size()});
  if (!id.empty()) tmpl.push_back({CKA_ID, id.data(), id.size()});
  CK_RV rv = m.f()->C_FindObjectsInit(s.h(), tmpl.data(), tmpl.size());
  if (rv != CKR_OK)
    throw Error(Exit::config, "PKCS#11: C_FindObjectsInit failed (" + rv_hex(rv) + ")");
  std::vector<CK_OBJECT_HANDLE> found(4);
  CK_ULONG n = 0;
  rv = m.f()->C_FindObjects(s.h(), found.data(), found.size(), &n);
  m.f()->C_FindObjectsFinal(s.h());
  if (rv != CKR_OK) throw Error(Exit::config, "PKCS#11: C_FindObjects failed (" + rv_hex(rv) + ")");
  found.resize(n);
  return found;
}

// DER of the named curve's OID, for CKA_EC_PARAMS.
std::string ec_params(KeyType type) {
  static constexpr std::array<unsigned char, 10> kP256 = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                                          0xce, 0x3d, 0x03, 0x01, 0x07};
  static constexpr std::array<unsigned char, 7> kP384 = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
  if (type == KeyType::ec_p256) return {kP256.begin(), kP256.end()};
  return {kP384.begin(), kP384.end()};
}

void generate(const Module& m, const Session& s, const Pkcs11Uri& uri, KeyType type) {
  std::string label = uri.object.empty() ? uri.id : uri.object;
  std::string id = uri.id;
  if (id.empty()) {  // libp11 pairs the private and public objects by CKA_ID
    std::array<unsigned char, SHA256_DIGEST_LENGTH> d{};
    ::SHA256(reinterpret_cast<const unsigned char*>(label.data()), label.size(), d.data());
    id.assign(reinterpret_cast<const char*>(d.data()), 16);
  }
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  std::string params;
  CK_ULONG bits = 4096;
  std::array<unsigned char, 3> exponent = {0x01, 0x00, 0x01};
  CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  std::vector<CK_ATTRIBUTE> pub = {{CKA_TOKEN, &yes, sizeof yes},
                                   {CKA_VERIFY, &yes, sizeof yes},
                                   {CKA_LABEL, label.data(), label.size()},
                                   {CKA_ID, id.data(), id.size()}};
  if (type == KeyType::rsa4096) {
    mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
    pub.push_back({CKA_MODULUS_BITS, &bits, sizeof bits});
    pub.push_back({CKA_PUBLIC_EXPONENT, exponent.data(), exponent.size()});
  } else {
    params = ec_params(type);
    pub.push_back({CKA_EC_PARAMS, params.data(), params.size()});
  }
  std::vector<CK_ATTRIBUTE> priv = {
      {CKA_TOKEN, &yes, sizeof yes},     {CKA_PRIVATE, &yes, sizeof yes},
      {CKA_SENSITIVE, &yes, sizeof yes}, {CKA_EXTRACTABLE, &no, sizeof no},
      {CKA_SIGN, &yes, sizeof yes},      {CKA_LABEL, label.data(), label.size()},
      {CKA_ID, id.data(), id.size()}};
  CK_OBJECT_HANDLE hpub = 0;
  CK_OBJECT_HANDLE hpriv = 0;
  const CK_RV rv = m.f()->C_GenerateKeyPair(s.h(), &mech, pub.data(), pub.size(), priv.data(),
                                            priv.size(), &hpub, &hpriv);
  if (rv != CKR_OK) {
    throw Error(Exit::config, "PKCS#11: generating a " + key_type_name(type) + " key in token '" +
                                  uri.token + "' failed (" + rv_hex(rv) + "; " + uri.str() + ")");
  }
}

// Finds (or makes) the key and proves the PIN with the module itself.
void prepare(const std::string& module, const Pkcs11Uri& uri, const Secret& pin, Create create,
             KeyType type) {
  const Module m(module);
  const Slot slot = find_token(m, uri);
  const Session s(m, slot.id, create == Create::if_missing);
  login(m, slot, s, uri, pin);
  const auto keys = find_private_keys(m, s, uri);
  if (keys.size() > 1) {
    throw Error(Exit::config, "PKCS#11: more than one private key matches " + uri.str() +
                                  " (add id=… to the URI)");
  }
  if (keys.empty()) {
    if (create == Create::no) {
      throw Error(Exit::config,
                  "PKCS#11: no private key " + uri.str() + " in token '" + uri.token + "'");
    }
    generate(m, s, uri, type);
  }
}

// libp11's engine, loaded once per process and kept (its keys point into it).
ENGINE* engine(const std::string& module) {
  static std::mutex mu;
  static ENGINE* e = nullptr;
  static std::string loaded_module;
  const std::lock_guard lock(mu);
  if (e != nullptr) {
    if (loaded_module != module) {
      throw Error(Exit::config, "PKCS#11: one module per process (" + loaded_module +
                                    " is "
                                    "loaded; asked for " +
                                    module + ")");
    }
    return e;
  }
  ::ENGINE_load_dynamic();
  ENGINE* got = ::ENGINE_by_id("pkcs11");
  if (got == nullptr) {
    throw_ossl(Exit::config,
               "the OpenSSL pkcs11 engine is not installed (Debian: libengine-pkcs11-openssl)");
  }
  if (::ENGINE_ctrl_cmd_string(got, "MODULE_PATH", module.c_str(), 0) != 1 ||
      ::ENGINE_init(got) != 1) {
    ::ENGINE_free(got);
    throw_ossl(Exit::config, "the pkcs11 engine refused the module " + module);
  }
  e = got;
  loaded_module = module;
  return e;
}

}  // namespace

PkeyPtr open_key(const std::string& module, const Pkcs11Uri& uri, const Secret& pin, Create create,
                 KeyType type) {
  prepare(module, uri, pin, create, type);
  ENGINE* e = engine(module);
  if (::ENGINE_ctrl_cmd_string(e, "PIN", pin.c_str(), 0) != 1) {
    throw_ossl(Exit::internal, "the pkcs11 engine refused the PIN command");
  }
  const std::string text = uri.str();
  PkeyPtr key(::ENGINE_load_private_key(e, text.c_str(), nullptr, nullptr));
  if (!key) throw_ossl(Exit::config, "the pkcs11 engine cannot load " + text);
  clear_ossl_errors();
  return key;
}

}  // namespace pki::keys::pkcs11
