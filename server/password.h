#pragma once
// The password of server.password, kept only as its SHA-256 digest. A candidate is hashed
// too and the two digests are compared in constant time (every byte, no early exit), so the
// time a comparison takes tells nothing of how much of a guess was right, nor of the
// password's length.

#include <array>
#include <optional>
#include <string_view>

namespace limitsd::server {

class Password {
 public:
  /// Throws std::runtime_error when OpenSSL cannot hash (start-up and reload only).
  explicit Password(std::string_view secret);

  /// Whether `candidate` is the password.
  bool Matches(std::string_view candidate) const noexcept;

  /// The token of an HTTP `Authorization: Bearer <token>` value (the scheme in any case,
  /// blanks around the token ignored); nullopt for another scheme or an empty token.
  static std::optional<std::string_view> BearerToken(std::string_view authorization) noexcept;

 private:
  using Digest = std::array<unsigned char, 32>;
  static bool Hash(std::string_view text, Digest& digest) noexcept;

  Digest digest_{};
};

}  // namespace limitsd::server
