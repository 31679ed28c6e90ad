// SPDX-License-Identifier: Apache-2.0
#include "common/app.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <iostream>

#include "ca/home.hpp"
#include "core/error.hpp"

namespace app {

int run(const std::string& tool, const std::string& description, int argc, char** argv,
        const std::function<void(CLI::App&, Common&)>& define) {
  // Everything the tools create is private unless written with an explicit mode
  // (certificates and bundles are 0644 via write_file_atomic); this covers SQLite's
  // registry, -wal and -shm files and any directory made on the way.
  ::umask(0077);
  CLI::App cli(description, tool);
  cli.fallthrough();  // `iot-ca sign ... --json` works as well as `iot-ca --json sign ...`
  Common common;
  const char* env_home = std::getenv("IOT_PKI_HOME");
  common.home = env_home != nullptr && *env_home != '\0' ? env_home : "./pki";
  cli.set_version_flag(
      "--version", [tool] { return version_text(tool); },
      "Print the version, git commit and library versions, and exit");
  cli.add_option("--home", common.home, "PKI home directory (env IOT_PKI_HOME, default ./pki)");
  cli.add_flag("--json", common.json, "Machine-readable output on stdout");
  cli.require_subcommand(1);
  try {
    define(cli, common);
    add_help_footers(cli, tool);
    // After the options are read and before any subcommand runs.
    if (tool != "iot-gateway")
      cli.parse_complete_callback([&common] { load_home_settings(common); });
    cli.parse(argc, argv);
    return 0;
  } catch (const CLI::Success& e) {
    return cli.exit(e);  // --help, --version (all derive from Success)
  } catch (const CLI::ParseError& e) {
    std::cerr << tool << ": error: " << e.what() << "\n"
              << "Run '" << tool << " --help' for usage.\n";
    return static_cast<int>(pki::Exit::usage);
  } catch (const pki::Error& e) {
    std::cerr << tool << ": error: " << e.what() << "\n";
    return e.exit_status();
  } catch (const std::exception& e) {
    std::cerr << tool << ": internal error: " << e.what() << "\n";
    return static_cast<int>(pki::Exit::internal);
  }
}

void load_home_settings(const Common& common) {
  (void)pki::ca::Home(common.home).settings();
}

void emit(const Common& common, const nlohmann::json& doc, const std::string& human) {
  if (common.json) {
    std::cout << doc.dump(2) << "\n";
  } else if (!human.empty()) {
    std::cout << human << (human.back() == '\n' ? "" : "\n");
  }
  std::cout.flush();
}

void note(const std::string& line) {
  std::cerr << line << "\n";
}

std::string unencrypted_key_warning(const std::filesystem::path& key) {
  return key.string() +
         " is NOT encrypted (--no-passphrase): anyone who can read it can sign as this CA; "
         "keep it offline, or re-encrypt it: openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf "
         "hmacWithSHA256 -iter 600000";
}

}  // namespace app
