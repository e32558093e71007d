#include "config/command_line.h"

#include <algorithm>
#include <sstream>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "config/command_line_error.h"
#include "config/listen_address.h"
#include "config/spelling.h"

#ifndef LIMITSD_VERSION
#define LIMITSD_VERSION "unknown"
#endif

namespace limitsd::config {
namespace {

namespace po = boost::program_options;

po::options_description Options() {
  po::options_description options("Options", 100, 50);
  options.add_options()
      ("config,c", po::value<std::string>()->value_name("FILE"),
       "YAML configuration file (without one: memory:// on 127.0.0.1:7400)")
      ("listen", po::value<std::vector<std::string>>()->value_name("ADDR"),
       "listen on HOST:PORT, [IPv6]:PORT or unix:/path instead of server.listen; repeat "
       "for several")
      ("storage", po::value<std::string>()->value_name("URI"),
       "storage URI instead of storage.uri, e.g. redis://localhost:6379")
      ("log-level", po::value<std::string>()->value_name("LEVEL"),
       "trace, debug, info, warn, error, critical or off, instead of log.level")
      ("check", "validate the configuration, print every error, exit 1 if there is any")
      ("version", "print the version and exit")
      ("help,h", "print this help and exit");
  return options;
}

std::vector<ListenAddress> ParseListenFlags(const std::vector<std::string>& texts) {
  std::vector<ListenAddress> addresses;
  for (const std::string& text : texts) {
    ListenAddressResult parsed = ParseListenAddress(text);
    if (!parsed.address) throw CommandLineError("--listen: " + parsed.error);
    addresses.push_back(std::move(*parsed.address));
  }
  return addresses;
}

std::string CheckLogLevel(const std::string& level) {
  if (std::find(kLogLevels.begin(), kLogLevels.end(), level) != kLogLevels.end()) return level;
  const std::optional<std::string> guess = ClosestMatch(level, kLogLevels);
  throw CommandLineError(fmt::format("--log-level must be one of {}; got \"{}\"{}",
                                     JoinNames(kLogLevels), level,
                                     guess ? fmt::format(" (did you mean \"{}\"?)", *guess) : ""));
}

std::string CheckStorageUri(const std::string& uri) {
  if (uri.find("://") != std::string::npos) return uri;
  throw CommandLineError(fmt::format("--storage must look like SCHEME://..., e.g. memory:// or "
                                     "redis://localhost:6379; got \"{}\"",
                                     uri));
}

// The first argument that is neither a flag nor a flag's value.
std::string FirstPositional(std::span<const char* const> args) {
  constexpr std::string_view kTakesValue[] = {"--config", "-c", "--listen", "--storage",
                                               "--log-level"};
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (std::find(std::begin(kTakesValue), std::end(kTakesValue), arg) != std::end(kTakesValue)) {
      ++i;
    } else if (arg.empty() || arg.front() != '-') {
      return std::string(arg);
    }
  }
  return "";
}

po::variables_map Run(std::span<const char* const> args) {
  const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
  po::variables_map values;
  try {
    po::store(po::command_line_parser(static_cast<int>(args.size()), args.data())
                  .options(Options())
                  .positional(po::positional_options_description())  // none allowed
                  .style(style)
                  .run(),
              values);
    po::notify(values);
  } catch (const po::too_many_positional_options_error&) {
    throw CommandLineError("unexpected argument \"" + FirstPositional(args) +
                           "\": give the configuration file with --config FILE");
  } catch (const po::error& error) {
    throw CommandLineError(error.what());
  }
  return values;
}

}  // namespace

CommandLineOptions CommandLine::Parse(std::span<const char* const> args) {
  const po::variables_map values = Run(args);
  CommandLineOptions options;
  options.show_help = values.count("help") > 0;
  options.show_version = values.count("version") > 0;
  options.check = values.count("check") > 0;
  if (values.count("config")) options.config_file = values["config"].as<std::string>();
  if (values.count("listen")) {
    options.listen = ParseListenFlags(values["listen"].as<std::vector<std::string>>());
  }
  if (values.count("storage")) {
    options.storage_uri = CheckStorageUri(values["storage"].as<std::string>());
  }
  if (values.count("log-level")) {
    options.log_level = CheckLogLevel(values["log-level"].as<std::string>());
  }
  if (options.config_file && options.config_file->empty()) {
    throw CommandLineError("--config needs a file name");
  }
  if (options.check && !options.config_file && !options.show_help && !options.show_version) {
    throw CommandLineError("--check needs the file to check: limitsd --check --config FILE");
  }
  return options;
}

std::string CommandLine::Usage(std::string_view program) {
  std::ostringstream out;
  out << "Usage: " << program
      << " [--config|-c FILE] [--listen ADDR]... [--storage URI] [--log-level LEVEL]\n"
      << "       " << program << " --check --config FILE\n"
      << "       " << program << " --version | --help\n\n"
      << "A rate-limit daemon. Flags override the configuration file.\n\n"
      << Options();
  return out.str();
}

std::string CommandLine::Version() { return std::string("limitsd ") + LIMITSD_VERSION; }

void CommandLine::ApplyOverrides(const CommandLineOptions& options, Config& config) {
  if (!options.listen.empty()) config.server.listen = options.listen;
  if (options.storage_uri) {
    config.storage.uri = *options.storage_uri;
    config.storage.uri_line = kFromCommandLine;
    config.storage.uri_column = 0;
  }
  if (options.log_level) config.log.level = *options.log_level;
}

ConfigLoader::Result CommandLine::Load(const CommandLineOptions& options,
                                       const ConfigLoader& loader) {
  ConfigLoader::Result result;
  if (options.config_file) {
    result = loader.LoadFile(*options.config_file);
  } else {
    result.config.emplace();
    result.config->server.threads = ConfigLoader::ResolveThreads(result.config->server.threads);
  }
  if (result.config) ApplyOverrides(options, *result.config);
  return result;
}

}  // namespace limitsd::config
