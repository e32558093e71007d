#pragma once
// A small, fast, seeded 128-bit hash of a storage key. The memory store identifies its
// entries by this digest instead of the key bytes, so a live key costs a fixed 16 bytes
// whatever its length. Not cryptographic: the per-store random seed keeps clients from
// precomputing colliding keys, and 128 bits make accidental collisions negligible.

#include <cstdint>
#include <string_view>

namespace limitsd::storage::memory {

struct KeyDigest {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  friend bool operator==(const KeyDigest&, const KeyDigest&) = default;
};

/// Hashes byte strings into two 64-bit lanes with a 64x64->128 multiply-mix per 16-byte
/// block and a bijective finaliser; every output bit depends on every input bit.
class KeyHasher {
 public:
  /// A hasher with a fixed seed (tests, reproducible layouts).
  explicit KeyHasher(std::uint64_t seed = 0) noexcept;

  /// A hasher seeded from std::random_device.
  static KeyHasher Random();

  KeyDigest Digest(std::string_view bytes) const noexcept;
  /// A 64-bit hash (one lane of Digest), e.g. to pick a shard.
  std::uint64_t Hash64(std::string_view bytes) const noexcept { return Digest(bytes).lo; }

  struct Tagged {
    KeyDigest digest;       ///< identifies the whole key
    std::uint64_t tag_hash; ///< Hash64(tag)
  };
  /// For a key that starts with its hash tag, "{tag}rest", with `close` the index of the
  /// '}': the key's digest and Hash64(tag) in one pass over the bytes. The digest is not
  /// Digest(key) (a distinct construction), so use one or the other for a given key shape.
  Tagged DigestTagged(std::string_view key, std::size_t close) const noexcept;

 private:
  struct Lanes {
    std::uint64_t a;
    std::uint64_t b;
  };
  Lanes Absorb(Lanes lanes, const char* p, std::size_t n) const noexcept;
  static KeyDigest Finish(Lanes lanes, std::uint64_t length) noexcept;
  /// Finish(lanes, length).lo alone.
  static std::uint64_t FinishLo(Lanes lanes, std::uint64_t length) noexcept;

  std::uint64_t seed_lo_;
  std::uint64_t seed_hi_;
};

/// The table hash of a digest: its high lane, already well mixed.
struct KeyDigestHash {
  using is_avalanching = void;
  std::size_t operator()(const KeyDigest& d) const noexcept { return d.hi; }
};

}  // namespace limitsd::storage::memory
