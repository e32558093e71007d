#include "storage/memory/key_digest.h"

#include <cstring>
#include <random>

namespace limitsd::storage::memory {
namespace {

// Odd constants with well-spread bits (from the golden ratio and two 64-bit primes).
constexpr std::uint64_t kK0 = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t kK1 = 0xd6e8feb86659fd93ULL;
constexpr std::uint64_t kK2 = 0xc2b2ae3d27d4eb4fULL;
constexpr std::uint64_t kK3 = 0x165667b19e3779f9ULL;

__extension__ using Uint128 = unsigned __int128;

// 64x64 -> 128 multiply, folded: the core mixing step.
inline std::uint64_t Fold(std::uint64_t a, std::uint64_t b) noexcept {
  const Uint128 product = static_cast<Uint128>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

// A bijective avalanche of 64 bits (xorshift-multiply).
inline std::uint64_t Avalanche(std::uint64_t x) noexcept {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return x;
}

inline std::uint64_t Load64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline std::uint64_t Load32(const char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// 1 to 8 trailing bytes as one word, without a variable-length copy: overlapping fixed-size
// loads for 4 to 8 bytes, three single bytes below 4. For a given n the mapping is
// one-to-one, and n is mixed in at the end.
inline std::uint64_t LoadShort(const char* p, std::size_t n) noexcept {
  if (n >= 4) return Load32(p) | (Load32(p + n - 4) << 32);
  const auto byte = [p](std::size_t i) { return static_cast<std::uint64_t>(
                                             static_cast<unsigned char>(p[i])); };
  return byte(0) | (byte(n / 2) << 8) | (byte(n - 1) << 16);
}

inline std::uint64_t Rotl(std::uint64_t x, int r) noexcept { return (x << r) | (x >> (64 - r)); }

}  // namespace

KeyHasher::KeyHasher(std::uint64_t seed) noexcept
    : seed_lo_(Avalanche(seed ^ kK0)), seed_hi_(Avalanche(seed + kK2)) {}

KeyHasher KeyHasher::Random() {
  std::random_device device;
  const std::uint64_t seed = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  return KeyHasher(seed);
}

KeyHasher::Lanes KeyHasher::Absorb(Lanes lanes, const char* p, std::size_t n) const noexcept {
  // Plain variables, not a structured binding: clang before 16 cannot capture one.
  std::uint64_t a = lanes.a, b = lanes.b;
  // Each lane keeps its previous value (xor) so that a block whose product happens to be
  // zero cannot erase what came before it.
  const auto mix = [&](std::uint64_t w0, std::uint64_t w1) {
    a ^= Fold(w0 ^ a ^ kK0, w1 ^ seed_hi_ ^ kK1);
    b ^= Fold(w1 ^ b ^ kK2, w0 ^ seed_lo_ ^ kK3);
  };
  for (; n >= 16; n -= 16, p += 16) mix(Load64(p), Load64(p + 8));
  if (n > 8) {
    // The last n - 8 bytes are the top of the word ending at p + n.
    mix(Load64(p), Load64(p + n - 8) >> (8 * (16 - n)));
  } else if (n > 0) {
    mix(LoadShort(p, n), 0);
  }
  return {a, b};
}

std::uint64_t KeyHasher::FinishLo(Lanes lanes, std::uint64_t length) noexcept {
  return Avalanche(lanes.a ^ Rotl(lanes.b, 23) ^ (length * kK3));
}

KeyDigest KeyHasher::Finish(Lanes lanes, std::uint64_t length) noexcept {
  const std::uint64_t y = Avalanche(lanes.b ^ Rotl(lanes.a, 41) ^ (length * kK1));
  return KeyDigest{FinishLo(lanes, length), y};
}

KeyDigest KeyHasher::Digest(std::string_view bytes) const noexcept {
  return Finish(Absorb({seed_lo_, seed_hi_}, bytes.data(), bytes.size()), bytes.size());
}

KeyHasher::Tagged KeyHasher::DigestTagged(std::string_view key, std::size_t close) const noexcept {
  const std::size_t tag_size = close - 1;
  const Lanes tag = Absorb({seed_lo_, seed_hi_}, key.data() + 1, tag_size);
  Lanes all = Absorb(tag, key.data() + close, key.size() - close);
  // Separate this construction from Digest's, and bind where the tag ended.
  all.a ^= kK2;
  all.b ^= tag_size * kK0;
  return Tagged{Finish(all, key.size()), FinishLo(tag, tag_size)};  // the tag's lo lane only
}

}  // namespace limitsd::storage::memory
