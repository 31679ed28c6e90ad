// SPDX-License-Identifier: Apache-2.0
#include "gateway/metrics/process.hpp"

#include <dirent.h>
#include <openssl/crypto.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <ctime>
#include <fstream>
#include <sstream>

namespace gw::metrics {
namespace {

std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

void gauge(std::string& out, const char* name, const char* type, const char* help, double v) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out.append(name).append(" ").append(num(v)).append("\n");
}

double seconds_of(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string render_build_info(std::string_view version, std::string_view commit) {
  std::string out =
      "# HELP iot_gateway_build_info The gateway's version, source commit and the OpenSSL it "
      "runs with.\n"
      "# TYPE iot_gateway_build_info gauge\n";
  out += "iot_gateway_build_info{version=\"" + escape_label(version) + "\",commit=\"" +
         escape_label(commit) + "\",openssl=\"" +
         escape_label(OpenSSL_version(OPENSSL_VERSION_STRING)) + "\"} 1\n";
  return out;
}

std::string render_process() {
  std::string out;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // /proc/self/stat (proc(5)): fields after the ")" that closes comm, from field 3 on.
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (stat && std::getline(stat, line) && line.rfind(')') != std::string::npos) {
    std::istringstream in(line.substr(line.rfind(')') + 2));
    std::vector<std::string> f;  // f[0] is field 3 (state)
    for (std::string x; in >> x && f.size() < 22;) f.push_back(x);
    if (f.size() >= 22) {
      const double utime = std::stod(f[11]);       // field 14
      const double stime = std::stod(f[12]);       // field 15
      const double start = std::stod(f[19]);       // field 22, ticks since boot
      const double vsize = std::stod(f[20]);       // field 23, bytes
      const double rss = std::stod(f[21]) * page;  // field 24, pages
      gauge(out, "process_cpu_seconds_total", "counter",
            "Total user and system CPU time spent in seconds.", (utime + stime) / tick);
      gauge(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", rss);
      gauge(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", vsize);
      // Boot-relative start time to the wall clock, without /proc/stat (hidden by the
      // unit's ProcSubset=pid).
      const double started =
          seconds_of(CLOCK_REALTIME) - (seconds_of(CLOCK_BOOTTIME) - start / tick);
      gauge(out, "process_start_time_seconds", "gauge",
            "Start time of the process since unix epoch in seconds.",
            std::round(started * 100) / 100);
    }
  }
  if (DIR* d = opendir("/proc/self/fd")) {
    double n = 0;
    while (const dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') ++n;
    }
    closedir(d);
    gauge(out, "process_open_fds", "gauge", "Number of open file descriptors.",
          n - 1);  // less our own
  }
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    gauge(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
          static_cast<double>(rl.rlim_cur));
  }
  return out;
}

std::string render_expiry(const std::vector<Expiry>& entries) {
  std::string out =
      "# HELP iot_gateway_cert_expiry_seconds Seconds until a CA certificate of the bundle, the "
      "server certificate or a JWT key expires (negative: expired; +Inf: the signing JWT key, "
      "which has no end while it signs).\n"
      "# TYPE iot_gateway_cert_expiry_seconds gauge\n";
  for (const auto& e : entries) {
    out += "iot_gateway_cert_expiry_seconds{kind=\"" + escape_label(e.kind) + "\"";
    for (const auto& [k, v] : e.labels) out += "," + k + "=\"" + escape_label(v) + "\"";
    out += "} " + num(e.seconds) + "\n";
  }
  return out;
}

}  // namespace gw::metrics
