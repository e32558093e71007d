#pragma once
// Value-or-error and coroutine aliases shared by every storage.

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <system_error>

#include "storage/storage_error.h"

namespace limitsd::storage {

/// What a storage call returns: a value, or the error it failed with. The data path never
/// throws; a backend that does has its exception turned into StorageErrc::kInternal.
template <class T>
using Result = boost::system::result<T, std::error_code>;

/// An asynchronous call, run on the daemon's event loop.
template <class T>
using Task = boost::asio::awaitable<T>;

/// Durations and times in the storage layer are microseconds.
using Micros = std::chrono::microseconds;

}  // namespace limitsd::storage
