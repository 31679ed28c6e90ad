// Placeholder until the revocation work lands `iot-ca export` (being written now).
#include "core/error.hpp"
#include "iot-ca/commands.hpp"

void add_export_command(CLI::App& cli, app::Common&) {
  cli.add_subcommand("export", "Write ca-bundle.pem, crl.pem and manifest.json (not yet available)")
      ->callback([] { throw pki::Error(pki::Exit::internal, "export is not built yet"); });
}
