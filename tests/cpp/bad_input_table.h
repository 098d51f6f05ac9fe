// Bad-input tables: each row is (entry point, bad input, expected error type, message
// fragment) plus the call that makes it. The runner checks, for every row, that the call
// throws the expected type with the fragment in its message and that nothing the row
// marked as output changed: output arrays are filled with a canary byte pattern and
// surrounded by guard elements, and other state (a schedule's loops) is compared as text.
//
// The table is split by API so that rows for new entry points (the Array type, operator
// library loading, the CUDA backend) go into their own files: such a file includes this
// header, builds its rows and calls run_bad_input_table() from one TEST. Each file is its
// own test executable (tests/cpp/*_test.cpp), so a table never depends on another's API.
//
// A row whose call crashes the process cannot be caught here; a row for a known bug is
// kept with `known_issue` set (say what happens instead): it is listed and skipped, like a
// DISABLED_ test, until the fix lands and the field is cleared. With
// TESSERA_BAD_INPUT_KNOWN=1 the known issues run too (to check a fix; rows noted as
// crashing do crash).
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include "test_util.h"

namespace tessera::testing {

// The error a row expects: a test of the exception's dynamic type and a name for messages.
struct ExpectedError {
  std::string name;
  std::function<bool(const std::exception&)> matches;
};

// E, or a subclass of it.
template <class E>
ExpectedError error_of(std::string name) {
  return {std::move(name), [](const std::exception& e) { return dynamic_cast<const E*>(&e) != nullptr; }};
}

// Exactly E (not a subclass): std::invalid_argument must not pass for a ScheduleError row.
template <class E>
ExpectedError exactly(std::string name) {
  return {std::move(name), [](const std::exception& e) { return typeid(e) == typeid(E); }};
}

// What a row's call must leave unchanged. Arrays made here stay valid until the row ends.
class Canaries {
 public:
  static constexpr uint8_t kPattern = 0xA5;
  static constexpr int64_t kGuard = 8;  // elements before and after each output view

  // An output array of `shape`, every byte of it and of its guard zones kPattern.
  template <class T>
  HostArray<T>& output(std::vector<int64_t> shape) {
    HostArray<T>& a = input<T>(std::move(shape), 0);
    int64_t n = std::max<int64_t>(a.numel(), 1);
    a.storage.assign(n + 2 * kGuard, typename HostArray<T>::Elem{});
    std::memset(a.storage.data(), kPattern, a.storage.size() * sizeof(a.storage[0]));
    a.offset = kGuard;
    a.refresh();
    const auto* bytes = reinterpret_cast<const uint8_t*>(a.storage.data());
    size_t size = a.storage.size() * sizeof(a.storage[0]);
    watch("output " + std::to_string(outputs_++), [bytes, size] {
      for (size_t i = 0; i < size; ++i)
        if (bytes[i] != kPattern) return "byte " + std::to_string(i) + " changed";
      return std::string("canary intact");
    });
    return a;
  }

  // An input array with random contents (not watched).
  template <class T>
  HostArray<T>& input(std::vector<int64_t> shape, uint64_t seed = 1) {
    auto owned = std::make_shared<HostArray<T>>(std::move(shape));
    fill_random(*owned, seed);
    keep_.push_back(owned);
    return *owned;
  }

  // Any other state, as text: taken now and compared after the call.
  void watch(std::string what, std::function<std::string()> snapshot) {
    std::string before = snapshot();
    watched_.push_back({std::move(what), std::move(before), std::move(snapshot)});
  }

  // "" when everything watched is as before, else what changed.
  std::string changed() const {
    std::string out;
    for (const Watched& w : watched_) {
      std::string now = w.snapshot();
      if (now != w.before) out += w.what + ": '" + w.before + "' became '" + now + "'; ";
    }
    return out;
  }

 private:
  struct Watched {
    std::string what, before;
    std::function<std::string()> snapshot;
  };
  std::vector<std::shared_ptr<void>> keep_;
  std::vector<Watched> watched_;
  int outputs_ = 0;
};

struct BadInputRow {
  std::string entry;     // the entry point, e.g. "ops::call" or "Stage::split"
  std::string input;     // what is wrong with the input
  ExpectedError error;   // the exception type expected
  std::string fragment;  // a part of the expected message
  // Builds the row's data in the Canaries (outputs there are watched) and makes the call.
  std::function<void(Canaries&)> call;
  std::string known_issue = {};  // non-empty: skipped and listed (see above)
};

// Runs the rows; each row that fails is one test failure naming it. Prints the counts.
inline void run_bad_input_table(const std::string& table, const std::vector<BadInputRow>& rows) {
  int checked = 0;
  std::vector<const BadInputRow*> skipped;
  const bool run_known = std::getenv("TESSERA_BAD_INPUT_KNOWN") != nullptr;
  for (const BadInputRow& row : rows) {
    if (!row.known_issue.empty() && !run_known) {
      skipped.push_back(&row);
      continue;
    }
    ++checked;
    std::string label = "[" + row.entry + "] " + row.input;
    std::cout << "  row " << checked << ": " << label << std::endl;  // names a row that crashes
    Canaries canaries;
    try {
      row.call(canaries);
      ADD_FAILURE() << label << ": accepted, expected " << row.error.name << " with '" << row.fragment << "'";
    } catch (const std::exception& e) {
      std::string msg = e.what();
      if (!row.error.matches(e))
        ADD_FAILURE() << label << ": threw " << typeid(e).name() << " (" << msg << "), expected " << row.error.name;
      else if (msg.find(row.fragment) == std::string::npos)
        ADD_FAILURE() << label << ": message '" << msg << "' lacks '" << row.fragment << "'";
    } catch (...) {
      ADD_FAILURE() << label << ": threw something that is not a std::exception";
    }
    std::string changed = canaries.changed();
    if (!changed.empty()) ADD_FAILURE() << label << ": output touched: " << changed;
  }
  std::cout << "bad-input table " << table << ": " << rows.size() << " rows, " << checked << " checked, "
            << skipped.size() << " known issues skipped" << std::endl;
  for (const BadInputRow* row : skipped)
    std::cout << "  known issue [" << row->entry << "] " << row->input << ": " << row->known_issue << std::endl;
}

}  // namespace tessera::testing
