// genesys-sim: a Genesys Cloud simulator for scim-agent's tests and demo (see sim_server.h).
//
//   genesys-sim [--host 127.0.0.1] [--port 0] [--client ID:SECRET]... [--seed FILE.json]
//               [--token-ttl SECS] [--version-conflict 400|409] [--no-page-limit]
//               [--new-id-on-recreate] [--rate-limit PER_MINUTE] [--rate-limit-burst N]
//               [--latency-ms MS] [--latency-jitter-ms MS] [--error-rate F] [--drop-rate F]
//               [--drop-after-write] [--conflict-rate F] [--fault-seed N]
//               [--fault-token-endpoint] [--threads N] [--port-file FILE]
//               [--delete-requires-queue-cleanup=true|false]
//
// The fault flags set SimOptions (sim_server.h); POST /sim/config changes them at run time.
//
// Prints "genesys-sim listening on http://HOST:PORT" once it accepts connections and runs until
// SIGTERM or SIGINT. Exit codes: 0 clean stop, 1 runtime error, 2 bad usage.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "tests/sim/sim_server.h"

namespace {

constexpr const char* kUsage =
    "usage: genesys-sim [--host 127.0.0.1] [--port 0] [--client ID:SECRET]... [--seed FILE.json]\n"
    "                   [--token-ttl SECS] [--version-conflict 400|409] [--no-page-limit]\n"
    "                   [--new-id-on-recreate] [--rate-limit PER_MINUTE] [--rate-limit-burst N]\n"
    "                   [--latency-ms MS] [--latency-jitter-ms MS] [--error-rate F]\n"
    "                   [--drop-rate F] [--drop-after-write] [--conflict-rate F]\n"
    "                   [--fault-seed N] [--fault-token-endpoint] [--threads N]\n"
    "                   [--port-file FILE] [--delete-requires-queue-cleanup=true|false]\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int parseInt(const std::string& text, const std::string& flag, int min, int max) {
  size_t used = 0;
  long value = 0;
  try {
    value = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value < min || value > max) {
    throw UsageError(flag + " needs an integer between " + std::to_string(min) + " and " +
                     std::to_string(max));
  }
  return static_cast<int>(value);
}

// A probability, 0.0-1.0.
double parseRate(const std::string& text, const std::string& flag) {
  size_t used = 0;
  double value = -1.0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !(value >= 0.0 && value <= 1.0)) {
    throw UsageError(flag + " needs a number between 0.0 and 1.0");
  }
  return value;
}

uint64_t parseSeed(const std::string& text, const std::string& flag) {
  size_t used = 0;
  long long value = -1;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < 0) {
    throw UsageError(flag + " needs a non-negative integer");
  }
  return static_cast<uint64_t>(value);
}

struct CommandLine {
  scim_agent::sim::SimOptions options;
  std::string seed_file;
  std::string port_file;
};

CommandLine parseCommandLine(int argc, char** argv) {
  CommandLine command;
  bool custom_clients = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (arg == "--host") {
      command.options.host = value();
    } else if (arg == "--port") {
      command.options.port = static_cast<uint16_t>(parseInt(value(), arg, 0, 65535));
    } else if (arg == "--client") {
      const std::string pair = value();
      const size_t colon = pair.find(':');
      if (colon == std::string::npos || colon == 0) throw UsageError("--client needs ID:SECRET");
      if (!custom_clients) command.options.clients.clear();
      custom_clients = true;
      command.options.clients.emplace_back(pair.substr(0, colon), pair.substr(colon + 1));
    } else if (arg == "--seed") {
      command.seed_file = value();
    } else if (arg == "--token-ttl") {
      command.options.token_ttl_seconds = parseInt(value(), arg, 0, 172800 * 10);
    } else if (arg == "--version-conflict") {
      const int status = parseInt(value(), arg, 400, 409);
      if (status != 400 && status != 409) throw UsageError("--version-conflict is 400 or 409");
      command.options.version_conflict_status = status;
    } else if (arg == "--no-page-limit") {
      command.options.enforce_page_limit = false;
    } else if (arg == "--new-id-on-recreate") {
      command.options.new_id_on_recreate = true;
    } else if (arg == "--rate-limit") {
      command.options.rate_limit_per_minute = parseInt(value(), arg, 0, 1'000'000);
    } else if (arg == "--rate-limit-burst") {
      command.options.rate_limit_burst = parseInt(value(), arg, 1, 1'000'000);
    } else if (arg == "--latency-ms") {
      command.options.latency_ms = parseInt(value(), arg, 0, 60'000);
    } else if (arg == "--latency-jitter-ms") {
      command.options.latency_jitter_ms = parseInt(value(), arg, 0, 60'000);
    } else if (arg == "--error-rate") {
      command.options.error_rate = parseRate(value(), arg);
    } else if (arg == "--drop-rate") {
      command.options.drop_rate = parseRate(value(), arg);
    } else if (arg == "--drop-after-write") {
      command.options.drop_after_write = true;
    } else if (arg == "--conflict-rate") {
      command.options.conflict_rate = parseRate(value(), arg);
    } else if (arg == "--fault-seed") {
      command.options.fault_seed = parseSeed(value(), arg);
    } else if (arg == "--fault-token-endpoint") {
      command.options.fault_token_endpoint = true;
    } else if (arg == "--delete-requires-queue-cleanup" ||
               arg.rfind("--delete-requires-queue-cleanup=", 0) == 0) {
      // Both "--flag=false" and "--flag false"; the bare flag means true.
      std::string text = "true";
      if (arg.size() > 31) {
        text = arg.substr(32);
      } else if (i + 1 < argc && argv[i + 1][0] != '-') {
        text = value();
      }
      if (text != "true" && text != "false") {
        throw UsageError("--delete-requires-queue-cleanup is true or false");
      }
      command.options.delete_requires_queue_cleanup = text == "true";
    } else if (arg == "--threads") {
      command.options.threads = parseInt(value(), arg, 2, 256);
    } else if (arg == "--port-file") {
      command.port_file = value();
    } else {
      throw UsageError("unknown argument '" + arg + "'");
    }
  }
  return command;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read seed file " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// Readers poll for the file, so it must appear complete: write a temporary file, then rename.
void writePortFile(const std::string& path, uint16_t port) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << "\n";
    out.flush();
    if (!out) throw std::runtime_error("cannot write port file " + temp);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw std::runtime_error("cannot rename " + temp + " to " + path);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine command;
  try {
    command = parseCommandLine(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "genesys-sim: " << e.what() << "\n" << kUsage;
    return 2;
  }
  try {
    // Block the stop signals before any thread starts so only sigwait() below sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    scim_agent::sim::SimServer server(command.options);
    if (!command.seed_file.empty()) server.seed(readFile(command.seed_file));
    server.start();
    if (!command.port_file.empty()) writePortFile(command.port_file, server.port());
    std::cout << "genesys-sim listening on " << server.baseUrl() << std::endl;

    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    server.stop();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "genesys-sim: " << e.what() << "\n";
    return 1;
  }
}
