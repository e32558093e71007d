#include "storage/memcached/memcached_key.h"

#include <openssl/evp.h>

#include <array>

#include "storage/configuration_error.h"
#include "storage/storage_key.h"

namespace limitsd::storage::memcached {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
// "h:" + 64 hex digits.
constexpr std::size_t kHashedBodyBytes = 2 + 64;

bool Plain(unsigned char c) noexcept { return c > 0x20 && c < 0x7f && c != '%'; }

void AppendHex(std::string& out, unsigned char c) {
  out.push_back(kHexDigits[c >> 4]);
  out.push_back(kHexDigits[c & 0xf]);
}

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr);
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) AppendHex(out, digest[i]);
  return out;
}

}  // namespace

std::string_view ItemIdOf(std::string_view key) noexcept {
  const HashTagSpan tag = FindHashTag(key);
  return tag.found() ? key.substr(tag.open, tag.close - tag.open + 1) : key;
}

MemcachedKeyEncoder::MemcachedKeyEncoder(std::string prefix) : prefix_(std::move(prefix)) {
  for (const char c : prefix_) {
    if (!Plain(static_cast<unsigned char>(c))) {
      throw ConfigurationError(
          "memcached key_prefix must be printable ASCII without spaces or '%', got '" + prefix_ +
          "'");
    }
  }
  if (prefix_.size() + kHashedBodyBytes > kMaxKeyBytes) {
    throw ConfigurationError("memcached key_prefix is too long (at most " +
                             std::to_string(kMaxKeyBytes - kHashedBodyBytes) + " bytes)");
  }
}

std::string MemcachedKeyEncoder::EncodeBody(std::string_view item_id) const {
  const std::size_t max_body = kMaxKeyBytes - prefix_.size();
  std::string out;
  out.reserve(2 + item_id.size());
  out += "k:";
  for (const char c : item_id) {
    const auto byte = static_cast<unsigned char>(c);
    if (Plain(byte)) {
      out.push_back(c);
    } else {
      out.push_back('%');
      AppendHex(out, byte);
    }
    if (out.size() > max_body) break;  // hashed below; no need to finish
  }
  if (out.size() <= max_body) return out;
  return "h:" + Sha256Hex(item_id);
}

}  // namespace limitsd::storage::memcached
