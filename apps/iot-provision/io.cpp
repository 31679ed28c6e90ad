// Secret-aware input and output shared by the subcommands.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/handles.hpp"
#include "iot-provision/commands.hpp"

namespace prov {

std::int64_t parse_ttl(const std::string& text) {
  std::int64_t ttl = 0;
  try {
    ttl = pki::parse_duration(text, "--ttl");
  } catch (const pki::Error& e) {
    throw pki::Error(pki::Exit::usage, e.what());
  }
  constexpr std::int64_t kMax = 30 * 24 * 3600;
  if (ttl < 1 || ttl > kMax) throw pki::Error(pki::Exit::usage, "--ttl must be between 1s and 30d");
  return ttl;
}

pki::Secret read_secret_file(const std::filesystem::path& path, std::size_t max_bytes) {
  const pki::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) throw pki::Error(pki::Exit::no_input, path.string() + ": no such file");
    if (errno == EACCES) pki::throw_errno(pki::Exit::denied, "open " + path.string());
    pki::throw_errno(pki::Exit::io, "open " + path.string());
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) pki::throw_errno(pki::Exit::io, "stat " + path.string());
  if (!S_ISREG(st.st_mode)) throw pki::Error(pki::Exit::data, path.string() + ": not a file");
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    throw pki::Error(pki::Exit::data, path.string() + ": too large (at most " +
                                          std::to_string(max_bytes) + " bytes)");
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    app::note("iot-provision: warning: " + path.string() +
              " holds secrets but group or others can read it; run: chmod 600 " + path.string());
  }
  pki::Secret out;
  std::string& buf = out.buffer();
  buf.resize(max_bytes + 1);  // one allocation: no unwiped copy is left by growth
  std::size_t got = 0;
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) pki::throw_errno(pki::Exit::io, "read " + path.string());
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
    if (got > max_bytes) throw pki::Error(pki::Exit::data, path.string() + ": too large");
  }
  buf.resize(got);
  return out;
}

void write_stdout(std::string_view data) {
  for (std::size_t off = 0; off < data.size();) {
    const ssize_t n = ::write(STDOUT_FILENO, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) pki::throw_errno(pki::Exit::io, "write to standard output");
    off += static_cast<std::size_t>(n);
  }
}

void require_writable_output(const std::filesystem::path& out, bool force) {
  std::error_code ec;
  if (!force && std::filesystem::exists(out, ec)) {
    throw pki::Error(pki::Exit::cant_create,
                     out.string() + " already exists (remove it or use --force)");
  }
  const std::filesystem::path dir = out.has_parent_path() ? out.parent_path() : ".";
  if (!std::filesystem::is_directory(dir, ec) || ::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw pki::Error(pki::Exit::cant_create, "cannot create " + out.string() + ": " + dir.string() +
                                                 " is not a writable directory");
  }
}

}  // namespace prov
