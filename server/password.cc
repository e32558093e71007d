#include "server/password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace limitsd::server {
namespace {

bool IsBlank(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view Trimmed(std::string_view text) noexcept {
  while (!text.empty() && IsBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

Password::Password(std::string_view secret) {
  if (!Hash(secret, digest_)) throw std::runtime_error("cannot hash server.password (OpenSSL)");
}

bool Password::Matches(std::string_view candidate) const noexcept {
  Digest digest{};
  // Hashing fails only when OpenSSL cannot allocate: no match then.
  if (!Hash(candidate, digest)) return false;
  return CRYPTO_memcmp(digest.data(), digest_.data(), digest.size()) == 0;
}

bool Password::Hash(std::string_view text, Digest& digest) noexcept {
  unsigned int size = 0;
  return EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) == 1 &&
         size == digest.size();
}

std::optional<std::string_view> Password::BearerToken(std::string_view authorization) noexcept {
  constexpr std::string_view kScheme = "bearer";
  authorization = Trimmed(authorization);
  if (authorization.size() <= kScheme.size() || !IsBlank(authorization[kScheme.size()])) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kScheme[i]) {
      return std::nullopt;
    }
  }
  const std::string_view token = Trimmed(authorization.substr(kScheme.size()));
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace limitsd::server
