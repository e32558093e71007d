#include "storage/storage_uri.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "storage/configuration_error.h"

namespace limitsd::storage {

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string SchemeOf(std::string_view uri) {
  const std::size_t sep = uri.find("://");
  return sep == std::string_view::npos ? std::string() : LowerAscii(uri.substr(0, sep));
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; a malformed escape is kept as written (like urllib's unquote).
// `plus_is_space` applies to query strings only.
std::string PercentDecode(std::string_view s, bool plus_is_space = false) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool ValidScheme(std::string_view scheme) {
  if (scheme.empty() || !std::isalpha(static_cast<unsigned char>(scheme.front()))) return false;
  return std::all_of(scheme.begin(), scheme.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '-' || c == '.';
  });
}

// The pieces of a URI as text: scheme, netloc, path, query.
struct UriParts {
  std::string_view scheme;
  std::string_view netloc;
  std::string_view path;
  std::string_view query;
  bool ok = false;
};

UriParts Split(std::string_view uri) {
  UriParts parts;
  const std::size_t sep = uri.find("://");
  if (sep == std::string_view::npos) return parts;
  parts.scheme = uri.substr(0, sep);
  std::string_view rest = uri.substr(sep + 3);
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  const std::size_t netloc_end = std::min(rest.find_first_of("/?"), rest.size());
  parts.netloc = rest.substr(0, netloc_end);
  rest.remove_prefix(netloc_end);
  const std::size_t q = std::min(rest.find('?'), rest.size());
  parts.path = rest.substr(0, q);
  parts.query = q < rest.size() ? rest.substr(q + 1) : std::string_view{};
  parts.ok = ValidScheme(parts.scheme);
  return parts;
}

// The netloc's password span [begin, end) within `uri`, or npos when there is none.
std::pair<std::size_t, std::size_t> PasswordSpan(std::string_view uri) {
  const UriParts parts = Split(uri);
  constexpr auto kNone = std::pair{std::string_view::npos, std::string_view::npos};
  if (parts.netloc.empty()) return kNone;
  const std::size_t at = parts.netloc.rfind('@');
  if (at == std::string_view::npos) return kNone;
  const std::size_t colon = parts.netloc.substr(0, at).find(':');
  if (colon == std::string_view::npos) return kNone;
  const std::size_t netloc_begin = static_cast<std::size_t>(parts.netloc.data() - uri.data());
  return {netloc_begin + colon + 1, netloc_begin + at};
}

std::string RedactUri(std::string_view uri) {
  const auto [begin, end] = PasswordSpan(uri);
  if (begin == std::string_view::npos) return std::string(uri);
  std::string out(uri.substr(0, begin));
  out += "***";
  out += uri.substr(end);
  return out;
}

[[noreturn]] void Unparsable(std::string_view uri) {
  throw ConfigurationError("Unable to parse storage uri " + RedactUri(uri));
}

// host:port or [v6]:port. Returns false when the text cannot be a location at all.
bool ParseLocation(std::string_view loc, Location& out, bool& missing) {
  std::string_view host;
  std::string_view port;
  if (!loc.empty() && loc.front() == '[') {
    const std::size_t close = loc.find(']');
    if (close == std::string_view::npos) return false;
    host = loc.substr(1, close - 1);
    std::string_view after = loc.substr(close + 1);
    if (!after.empty() && after.front() != ':') return false;
    port = after.empty() ? after : after.substr(1);
  } else {
    const std::size_t colon = loc.find(':');
    host = loc.substr(0, colon);
    port = colon == std::string_view::npos ? std::string_view{} : loc.substr(colon + 1);
    if (host.find_first_of("[]") != std::string_view::npos) return false;
  }
  unsigned value = 0;
  if (!port.empty()) {
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || ptr != port.data() + port.size() || value > 65535) return false;
  }
  missing = host.empty() || value == 0;
  out.host = LowerAscii(host);
  out.port = static_cast<std::uint16_t>(value);
  return true;
}

void ParseLocations(std::string_view uri, std::string_view hosts, StorageUri& result) {
  if (Trim(hosts).empty()) return;  // e.g. memcached:///path/to.sock
  while (true) {
    const std::size_t comma = hosts.find(',');
    const std::string_view loc = Trim(hosts.substr(0, comma));
    Location location;
    bool missing = false;
    if (!ParseLocation(loc, location, missing)) Unparsable(uri);
    if (missing) {
      throw ConfigurationError("Missing host or port in location " + std::string(loc) +
                               " of storage uri " + RedactUri(uri));
    }
    result.locations.push_back(std::move(location));
    if (comma == std::string_view::npos) break;
    hosts.remove_prefix(comma + 1);
  }
}

void ParseUserInfo(std::string_view auth, StorageUri& result) {
  const std::size_t colon = auth.find(':');
  const std::string_view user = auth.substr(0, colon);
  if (!user.empty()) result.username = PercentDecode(user);
  if (colon != std::string_view::npos) result.password = PercentDecode(auth.substr(colon + 1));
}

void ParseQuery(std::string_view query, StorageUri& result) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      std::string key = PercentDecode(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? std::string{} : PercentDecode(pair.substr(eq + 1), true);
      result.query.emplace(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

}  // namespace

std::string StorageUri::Redacted() const { return RedactUri(original); }

StorageUri ParseStorageUri(std::string_view uri) {
  const UriParts parts = Split(uri);
  if (!parts.ok) Unparsable(uri);
  StorageUri result;
  result.original = std::string(uri);
  result.scheme = LowerAscii(parts.scheme);
  const std::string_view netloc = Trim(parts.netloc);
  // The last '@' ends the user information, so user names and passwords may hold '@'.
  const std::size_t at = netloc.rfind('@');
  std::string_view hosts = netloc;
  if (at != std::string_view::npos) {
    ParseUserInfo(netloc.substr(0, at), result);
    hosts = netloc.substr(at + 1);
  }
  ParseLocations(uri, hosts, result);
  result.path = PercentDecode(parts.path);
  ParseQuery(parts.query, result);
  return result;
}

}  // namespace limitsd::storage
